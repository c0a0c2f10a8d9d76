/**
 * One process-wide budget for the file descriptors strom keeps open between uses (a partition
 * writer's segment files, a read cursor's segment, an idle lock file), so that a process touching
 * thousands of partitions needs a bounded number of them (issue #19: 10,000 partitions under
 * `ulimit -n 1024`).
 *
 * Holders, not descriptors, are tracked: each holder says how many descriptors it keeps open each
 * time it uses them (`touch`), and when the total passes the budget the least recently used holders
 * are asked to close theirs (`closeIdle`). A holder in use right now (a writer holding its lock, a
 * held lock) refuses and stays open. A holder that was closed reopens on its next use and checks
 * the file is still the one it had (the inode), so eviction never changes what it reads or writes.
 * Everything is synchronous: an eviction can only happen inside another holder's `touch`.
 */
import fs from 'node:fs'

export interface FdHolder {
  /** Closes the descriptors it keeps between uses; false when they are in use right now (they stay open). */
  closeIdle(): boolean
}

export class FdCache {
  /** Holders by their count of open descriptors; Map order is use order, least recent first. */
  private readonly holders = new Map<FdHolder, number>()
  private total = 0

  constructor(public budget: number) {}

  /** Descriptors held open now (as the holders last declared them). */
  get open(): number {
    return this.total
  }

  /**
   * `holder` is being used and will hold `count` descriptors (call it before opening them, so the
   * room is made first): it becomes the most recently used, and others are closed to fit the budget.
   */
  touch(holder: FdHolder, count: number): void {
    const before = this.holders.get(holder)
    if (before !== undefined) {
      this.holders.delete(holder)
      this.total -= before
    }
    this.holders.set(holder, count)
    this.total += count
    if (this.total > this.budget) this.evict(holder, this.total - this.budget)
  }

  /** The holder closed its descriptors itself. */
  forget(holder: FdHolder): void {
    const count = this.holders.get(holder)
    if (count === undefined) return
    this.holders.delete(holder)
    this.total -= count
  }

  /** Closes every idle holder's descriptors (after EMFILE: something else in the process used the room). */
  closeAllIdle(except?: FdHolder): void {
    this.evict(except, Number.POSITIVE_INFINITY)
  }

  private evict(except: FdHolder | undefined, excess: number): void {
    const busy: Array<[FdHolder, number]> = []
    for (const [holder, count] of this.holders) {
      if (excess <= 0) break
      if (holder === except || count === 0) continue
      this.holders.delete(holder)
      if (holder.closeIdle()) {
        this.total -= count
        excess -= count
      } else {
        busy.push([holder, count])
      }
    }
    // Holders in use move to the recent end, so the next eviction does not ask them first again.
    for (const [holder, count] of busy) this.holders.set(holder, count)
  }
}

/**
 * The budget: half the soft RLIMIT_NOFILE (read from /proc/self/limits on Linux; Node has no
 * getrlimit), leaving the other half to Node itself, stdio, watchers and short-lived opens. 512
 * when the limit cannot be read; at most 16,384 (more than that only delays closing idle files).
 */
export function defaultFdBudget(limitsText?: string): number {
  let soft: number | undefined
  try {
    const text = limitsText ?? fs.readFileSync('/proc/self/limits', 'utf8')
    const match = /^Max open files\s+(\S+)/m.exec(text)
    if (match !== null) soft = match[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(match[1])
  } catch {
    // not Linux, or no /proc
  }
  if (soft === undefined || !(soft > 0)) return 512
  return Math.max(8, Math.min(16_384, Math.floor(soft / 2)))
}

/** The process-wide cache every holder in src/core shares. */
export const fdCache = new FdCache(defaultFdBudget())

/**
 * Opens with `open`; if the process is out of descriptors (EMFILE, ENFILE), closes every idle
 * holder's and tries once more.
 */
export function openWithRoom(open: () => number, except?: FdHolder): number {
  try {
    return open()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code !== 'EMFILE' && code !== 'ENFILE') throw error
    fdCache.closeAllIdle(except)
    return open()
  }
}
