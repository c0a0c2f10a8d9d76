/**
 * SIGSTOPs `pid` at a moment it does not hold its group's LOCK. A member stopped inside a group
 * change (a few milliseconds of read-modify-write under LOCK) blocks every other member until it
 * runs again: nobody can reap it, since reaping needs that lock (a known limit of coordinating
 * through a lock file). The pause tests are about the other case, so this retries.
 */
import path from 'node:path'
import {FileLock} from '../../src/core/io/file-lock.js'

export async function stopOutsideGroupLock(groupDir: string, pid: number): Promise<void> {
  const lock = new FileLock(path.join(groupDir, 'LOCK'))
  try {
    for (;;) {
      process.kill(pid, 'SIGSTOP')
      if (lock.tryAcquire()) {
        lock.release()
        return
      }
      process.kill(pid, 'SIGCONT')
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  } finally {
    lock.close()
  }
}
