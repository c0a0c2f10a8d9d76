/** Reads a file through a sliding 1 MiB window, so walking many small batches costs few syscalls. */
import {readFully} from '../segment/batch-scan.js'

const WINDOW_BYTES = 1024 * 1024

export class FileWindow {
  private buffer = Buffer.allocUnsafe(WINDOW_BYTES)
  private start = 0
  private length = 0

  constructor(private readonly fd: number, readonly fileSize: number) {}

  /** The bytes [at, at + need) as a view (it stays valid: a reload reads into a new buffer), or undefined past the end of the file. */
  view(at: number, need: number): Buffer | undefined {
    if (at + need > this.fileSize) return undefined
    if (at < this.start || at + need > this.start + this.length) {
      // A fresh buffer, never the old one: callers may still hold views of the previous window.
      this.buffer = Buffer.allocUnsafe(Math.max(need, WINDOW_BYTES))
      this.start = at
      this.length = readFully(this.fd, this.buffer, Math.min(this.buffer.length, this.fileSize - at), at)
      if (this.length < need) return undefined
    }
    return this.buffer.subarray(at - this.start, at - this.start + need)
  }
}
