/** Reads a file through a sliding 1 MiB window, so walking many small batches costs few syscalls. */
import {readFully} from '../segment/batch-scan.js'

const WINDOW_BYTES = 1024 * 1024

export class FileWindow {
  private buffer = Buffer.allocUnsafe(WINDOW_BYTES)
  private start = 0
  private length = 0

  constructor(private readonly fd: number, readonly fileSize: number) {}

  /** The bytes [at, at + need) as a view valid until the next call, or undefined past the end of the file. */
  view(at: number, need: number): Buffer | undefined {
    if (at + need > this.fileSize) return undefined
    if (at < this.start || at + need > this.start + this.length) {
      if (need > this.buffer.length) this.buffer = Buffer.allocUnsafe(need)
      this.start = at
      this.length = readFully(this.fd, this.buffer, Math.min(this.buffer.length, this.fileSize - at), at)
      if (this.length < need) return undefined
    }
    return this.buffer.subarray(at - this.start, at - this.start + need)
  }
}
