/**
 * The server-wide budget for request bytes held in memory: every frame is reserved at its full
 * size when its 4-byte size prefix is read (before its body arrives) and released once it has
 * been handled or its connection closed. A frame that does not fit closes its connection, so
 * unfinished requests, from clients that announce a large frame and then send it slowly or
 * never, hold at most `limit` bytes of the process's memory however many connections send them
 * (Kafka's queued.max.request.bytes, which mutes instead; closing frees the socket too).
 */
export class RequestMemory {
  private held = 0

  constructor(readonly limit: number) {}

  /** Takes `bytes` from the budget; false (and nothing taken) when they do not fit. */
  reserve(bytes: number): boolean {
    if (this.held + bytes > this.limit) return false
    this.held += bytes
    return true
  }

  release(bytes: number): void {
    this.held -= bytes
  }

  get inUse(): number {
    return this.held
  }
}
