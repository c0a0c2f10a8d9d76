/**
 * Wakes long-polling fetches when a partition changes. Appends made through this server notify
 * directly; appends by other processes (strom produce, another serve) are seen through one shared
 * fs.watch per partition directory, with a short poll as the safety net (inotify can coalesce
 * events and does not work on network filesystems).
 */
import fs from 'node:fs'

const POLL_MS = 100

export class PartitionWatch {
  private readonly watchers = new Map<string, fs.FSWatcher | null>()
  private readonly waiters = new Map<string, Set<() => void>>()

  /** Resolves on a change to any of `dirs`, after `timeoutMs` (capped by the poll interval), or on abort. */
  wait(dirs: string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const wake = (): void => {
        clearTimeout(timer)
        for (const dir of dirs) this.waiters.get(dir)?.delete(wake)
        signal?.removeEventListener('abort', wake)
        resolve()
      }
      const timer = setTimeout(wake, Math.max(0, Math.min(timeoutMs, POLL_MS)))
      signal?.addEventListener('abort', wake)
      for (const dir of dirs) {
        this.watch(dir)
        let set = this.waiters.get(dir)
        if (set === undefined) this.waiters.set(dir, (set = new Set()))
        set.add(wake)
      }
    })
  }

  notify(dir: string): void {
    const set = this.waiters.get(dir)
    if (set === undefined) return
    for (const wake of [...set]) wake()
  }

  close(): void {
    for (const watcher of this.watchers.values()) watcher?.close()
    this.watchers.clear()
    for (const dir of [...this.waiters.keys()]) this.notify(dir)
  }

  private watch(dir: string): void {
    if (this.watchers.has(dir)) return
    try {
      const watcher = fs.watch(dir, {persistent: false}, () => this.notify(dir))
      // A deleted topic's directory: forget the watcher, the poll covers the rest.
      watcher.on('error', () => {
        watcher.close()
        this.watchers.delete(dir)
      })
      this.watchers.set(dir, watcher)
    } catch {
      this.watchers.set(dir, null)
    }
  }
}
