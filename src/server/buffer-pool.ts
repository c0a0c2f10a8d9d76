/**
 * Buffers of one size, given back once used, so that a hot path allocates none. Fetch reads
 * segment bytes into them and sends them as they are; each goes back when the socket has taken
 * the response (the write's callback). Allocating and collecting a buffer per read cost serve more
 * CPU than reading the bytes did (a third of its time in a 1 GB ConsumerPerformance run: the copy,
 * its allocation and the garbage collector).
 */
export class BufferPool {
  private readonly free: Buffer[] = []

  /** `maxFree`: buffers kept at most; more given back are left to the garbage collector. */
  constructor(readonly size: number, private readonly maxFree: number) {}

  take(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(this.size)
  }

  /** The caller must hold no view of `buffer` any more: its bytes are overwritten by the next taker. */
  give(buffer: Buffer): void {
    if (buffer.length === this.size && this.free.length < this.maxFree) this.free.push(buffer)
  }
}
