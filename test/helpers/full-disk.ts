/**
 * A small full-able disk for the ENOSPC tests: a tmpfs mounted on a fresh directory when the test
 * may mount one (root), else the LD_PRELOAD shim of test/fixtures/enospc-shim.c (compiled here
 * with cc), which fails writes under the directory with a real ENOSPC once its byte budget is used.
 * Never a skip: a machine with neither mount nor cc fails the test. STROM_TEST_ENOSPC=shim or
 * =tmpfs forces one (tmpfs then fails if it cannot mount).
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {ROOT, tmpLogDir} from './strom.js'

export interface FullDisk {
  kind: 'tmpfs' | 'shim'
  /** The disk's root directory. */
  dir: string
  /** Environment every process writing under `dir` must get (empty for a tmpfs). */
  env(): Record<string, string>
  /** Changes the disk's size (a remount, or the shim's new budget for processes started after). */
  resize(bytes: number): void
  close(): void
}

const SHIM_SOURCE = path.join(ROOT, 'test', 'fixtures', 'enospc-shim.c')

function mountTmpfs(dir: string, bytes: number): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], {stdio: 'pipe'})
}

function shimDisk(dir: string, bytes: number, why: string): FullDisk {
  const library = path.join(tmpLogDir('strom-enospc-shim-'), 'enospc.so')
  execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', library, SHIM_SOURCE, '-ldl'], {stdio: 'pipe'})
  let budget = bytes
  console.log(`full disk: LD_PRELOAD ENOSPC shim of ${bytes} bytes on ${dir} (${why})`)
  return {
    kind: 'shim',
    dir,
    // UV_USE_IO_URING=0: libuv must not move file writes to io_uring, which would bypass libc (and
    // the shim); Node 20 has it off by default, this keeps it so.
    env: () => ({LD_PRELOAD: library, ENOSPC_DIR: dir, ENOSPC_BYTES: String(budget), UV_USE_IO_URING: '0'}),
    resize(size) {
      budget = size
    },
    close() {},
  }
}

export function openFullDisk(bytes: number): FullDisk {
  const dir = tmpLogDir('strom-enospc-')
  const forced = process.env.STROM_TEST_ENOSPC
  if (forced === 'shim') return shimDisk(dir, bytes, 'STROM_TEST_ENOSPC=shim')
  try {
    mountTmpfs(dir, bytes)
  } catch (error) {
    const why = String((error as {stderr?: Buffer}).stderr ?? error).trim().split('\n')[0]
    if (forced === 'tmpfs') throw new Error(`STROM_TEST_ENOSPC=tmpfs but the tmpfs cannot be mounted: ${why}`)
    return shimDisk(dir, bytes, `mount refused: ${why}`)
  }
  console.log(`full disk: tmpfs of ${bytes} bytes mounted on ${dir}`)
  return {
    kind: 'tmpfs',
    dir,
    env: () => ({}),
    resize(size) {
      execFileSync('mount', ['-o', `remount,size=${size}`, dir])
    },
    close() {
      execFileSync('umount', ['-l', dir])
      fs.rmSync(dir, {recursive: true, force: true})
    },
  }
}
