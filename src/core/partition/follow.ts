/**
 * Waiting for new data without burning CPU: an inotify watch (fs.watch) on each partition
 * directory wakes a follower as soon as a writer appends or rolls, with a slow poll as a safety
 * net (fs.watch can coalesce or drop events, and does not work on network filesystems, where the
 * poll becomes the only source and runs faster).
 */
import fs from 'node:fs'

export class ChangeWaiter {
  private readonly watchers: fs.FSWatcher[] = []
  private wake: (() => void) | undefined
  private changed = false
  private pollMs: number

  private readonly watched = new Set<string>()

  constructor(dirs: string[], pollMs = 250) {
    this.pollMs = pollMs
    for (const dir of dirs) this.watch(dir)
  }

  /** Adds a directory to watch (idempotent). */
  watch(dir: string): void {
    if (this.watched.has(dir)) return
    this.watched.add(dir)
    try {
      const watcher = fs.watch(dir, {persistent: false}, () => this.signal())
      watcher.on('error', () => {
        this.pollMs = Math.min(this.pollMs, 50)
      })
      this.watchers.push(watcher)
    } catch {
      this.pollMs = Math.min(this.pollMs, 50)
    }
  }

  /** Resolves when something changed since the last wait, or after the poll interval. */
  wait(): Promise<void> {
    if (this.changed) {
      this.changed = false
      return Promise.resolve()
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.wake = undefined
        this.changed = false
        resolve()
      }
      const timer = setTimeout(done, this.pollMs)
      this.wake = done
    })
  }

  /** Wakes a pending wait (also used to interrupt on SIGINT). */
  signal(): void {
    if (this.wake !== undefined) this.wake()
    else this.changed = true
  }

  close(): void {
    for (const watcher of this.watchers) watcher.close()
    this.watchers.length = 0
    this.signal()
  }
}
