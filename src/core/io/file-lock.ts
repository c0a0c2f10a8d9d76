/**
 * The only module that knows how strom locks files: an exclusive OS lock (Linux open-file-
 * description lock through fs-native-extensions) on a permanent lock file. The kernel releases it
 * the instant its holder dies, SIGKILL included, so a crashed producer never blocks the others.
 *
 * Rules: lock files are never unlinked (unlinking a locked file lets two processes "hold" it);
 * one FileLock object per path per process (see `fileLockFor`), and critical sections are
 * synchronous, so a process never waits on a lock it holds itself.
 *
 * The lock file's descriptor stays open between acquisitions only as long as the process-wide
 * descriptor budget allows (fd-cache.ts): an idle one may be closed and is reopened at the next
 * acquire. That changes nothing about the locking: the lock belongs to the open file description
 * and is never held while the file is closed, and the file itself is permanent.
 */
import fs from 'node:fs'
import {FdHolder, fdCache, openWithRoom} from './fd-cache.js'
// A static import: the build bundles the commands with dist/native-locks.js in its place, which
// loads the package's prebuilt addon directly (scripts/bundle-native-locks.mjs). Types:
// src/types/fs-native-extensions.d.ts.
import nativeLocks from 'fs-native-extensions'

export class FileLock implements FdHolder {
  private fd: number | undefined
  private held = false

  constructor(readonly file: string) {}

  /** Whether this object holds the lock now. */
  get isHeld(): boolean {
    return this.held
  }

  private open(): number {
    fdCache.touch(this, 1)
    // 'a+' creates the file if needed and gives write access (required for locks over NFS).
    if (this.fd === undefined) {
      try {
        this.fd = openWithRoom(() => fs.openSync(this.file, 'a+'), this)
      } catch (error) {
        fdCache.forget(this)
        throw error
      }
    }
    return this.fd
  }

  /** The descriptor budget asks: an idle lock file is closed (reopened at the next acquire). */
  closeIdle(): boolean {
    if (this.held) return false
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
    return true
  }

  /** Takes the lock, waiting in the kernel's queue (fair, wakes at once) when someone holds it. */
  acquire(): void {
    if (this.held) throw new Error(`lock ${this.file} is already held by this process`)
    const fd = this.open()
    if (!nativeLocks.tryLock(fd)) nativeLocks.waitForLockSync(fd)
    this.held = true
  }

  /** Takes the lock only if it is free right now. */
  tryAcquire(): boolean {
    if (this.held) return false
    const fd = this.open()
    if (!nativeLocks.tryLock(fd)) return false
    this.held = true
    return true
  }

  release(): void {
    if (!this.held || this.fd === undefined) return
    nativeLocks.unlock(this.fd)
    this.held = false
  }

  /** Runs `work` with the lock held. `work` must be synchronous. */
  withLock<T>(work: () => T): T {
    this.acquire()
    try {
      return work()
    } finally {
      this.release()
    }
  }

  close(): void {
    this.release()
    if (this.fd !== undefined) fs.closeSync(this.fd)
    this.fd = undefined
    fdCache.forget(this)
  }
}

/**
 * Whether some other open file (another process, or another FileLock) holds a lock on `file` right
 * now. Read-only: it opens the file for reading and asks for a shared lock it releases at once, so
 * it creates nothing and works in a read-only directory. A missing file was never locked.
 */
export function isLockedElsewhere(file: string): boolean {
  let fd: number
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
  } catch {
    return false
  }
  try {
    if (!nativeLocks.tryLock(fd, {shared: true})) return true
    nativeLocks.unlock(fd)
    return false
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * Waits until nobody holds an exclusive lock on `file`, then returns without holding anything
 * (read-only, like isLockedElsewhere). Used to let a short critical section of another process
 * (a segment swap) finish before looking again.
 */
export function waitUntilUnlocked(file: string): void {
  let fd: number
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW)
  } catch {
    return
  }
  try {
    if (!nativeLocks.tryLock(fd, {shared: true})) nativeLocks.waitForLockSync(fd, {shared: true})
    nativeLocks.unlock(fd)
  } finally {
    fs.closeSync(fd)
  }
}

const locksByPath = new Map<string, FileLock>()

/** The process-wide FileLock for a path. */
export function fileLockFor(file: string): FileLock {
  let lock = locksByPath.get(file)
  if (lock === undefined) {
    lock = new FileLock(file)
    locksByPath.set(file, lock)
  }
  return lock
}
