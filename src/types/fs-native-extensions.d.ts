// The part of fs-native-extensions (a CommonJS package without types) that src/core/io/file-lock.ts uses.
declare module 'fs-native-extensions' {
  const nativeLocks: {
    tryLock(fd: number, opts?: {shared?: boolean}): boolean
    waitForLockSync(fd: number, opts?: {shared?: boolean}): void
    unlock(fd: number): void
  }
  export default nativeLocks
}
