/**
 * One ArrayBuffer carved into regions (the stdin read buffer, one batch buffer per partition, a
 * staging area), so that bytes move from the input into a batch with `copyWithin` on the whole
 * arena. Copying between two different buffers (Buffer#copy, TypedArray#set of a subarray) makes
 * a view object per call, which at a million records a second costs more than the copy itself and
 * keeps the GC busy; copyWithin needs both ends in one ArrayBuffer, hence the arena.
 *
 * The memory is a plain zero-filled ArrayBuffer: the OS commits its pages only when they are first
 * written, so regions reserved for partitions that never get a record cost nothing.
 */

/** Sources up to this size that are not already in the arena are copied into it once (a stream chunk). */
export const STAGING_BYTES = 1024 * 1024

export class ByteArena {
  /** The whole arena: `bytes.copyWithin(to, from, end)` moves bytes between any of its regions. */
  readonly bytes: Buffer
  private used = 0
  private readonly staging: Buffer
  /** The declared source and the position of its byte 0 in `bytes` (-1: not in the arena). */
  private source: Uint8Array | undefined
  private sourceAt = -1

  /** `regionBytes` to carve, plus the staging area (set aside first, so regions cannot take its room). */
  constructor(regionBytes: number) {
    this.bytes = Buffer.from(new ArrayBuffer(STAGING_BYTES + regionBytes))
    this.staging = this.carve(STAGING_BYTES)!
  }

  /** Bytes not carved yet. */
  get free(): number {
    return this.bytes.length - this.used
  }

  /** A region of `size` bytes for one owner, or undefined when the arena has no room left. */
  carve(size: number): Buffer | undefined {
    if (size > this.free) return undefined
    const region = this.bytes.subarray(this.used, this.used + size)
    this.used += size
    return region
  }

  /** Where `region` (a view of this arena's memory) starts in `bytes`, or -1 for other memory. */
  positionOf(region: Uint8Array): number {
    return region.buffer === this.bytes.buffer ? region.byteOffset - this.bytes.byteOffset : -1
  }

  /**
   * Declares that `source` (a stdin chunk) stays unchanged until the next call; `undefined`
   * withdraws it. A source outside the arena is copied into the staging region first (once, not
   * once per record), when it fits; declaring the same buffer again copies it again (its bytes may
   * have been refilled in between).
   */
  useSource(source: Uint8Array | undefined): void {
    this.source = source
    this.sourceAt = -1
    if (source === undefined) return
    const at = this.positionOf(source)
    if (at >= 0) {
      this.sourceAt = at
      return
    }
    if (source.length > STAGING_BYTES) return
    this.staging.set(source)
    this.sourceAt = this.positionOf(this.staging)
  }

  /** Where source[0] is in `bytes`: >= 0 only for the declared source. */
  locate(source: Uint8Array): number {
    return source === this.source ? this.sourceAt : -1
  }
}
