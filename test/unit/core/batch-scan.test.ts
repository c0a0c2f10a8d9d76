import fs from 'node:fs'
import path from 'node:path'
import {afterEach, describe, expect, it, vi} from 'vitest'
import {encodeBatch} from '../../../src/core/format/record-batch.js'
import {scanBatches} from '../../../src/core/segment/batch-scan.js'
import {tmpLogDir} from '../../helpers/strom.js'

/** A .log of `count` batches of one `valueBytes` record each, offsets 0..count-1. */
function segmentOf(count: number, valueBytes: number): string {
  const file = path.join(tmpLogDir(), '00000000000000000000.log')
  const batches = Array.from({length: count}, (_, i) => {
    const batch = encodeBatch([{key: null, value: Buffer.alloc(valueBytes, i)}])
    batch.writeBigInt64BE(BigInt(i), 0)
    return batch
  })
  fs.writeFileSync(file, Buffer.concat(batches))
  return file
}

/** Scans the file and counts the bytes the scan read. */
function scan(file: string, verifyCrc: boolean | 'last') {
  const read = vi.spyOn(fs, 'readSync')
  const fd = fs.openSync(file, 'r')
  try {
    const result = scanBatches(fd, 0, fs.fstatSync(fd).size, {verifyCrc})
    const bytes = read.mock.results.reduce((sum, r) => sum + (r.value as number), 0)
    return {result, bytes}
  } finally {
    fs.closeSync(fd)
    read.mockRestore()
  }
}

describe('scanBatches', () => {
  afterEach(() => vi.restoreAllMocks())

  it('reads only around the headers of large batches when it checks no CRC', () => {
    // Four batches of 2 MiB: a header-only scan (a reader's end offset) needs 61 bytes of each.
    const file = segmentOf(4, 2 * 1024 * 1024)
    const headers = scan(file, false)
    expect(headers.result).toMatchObject({stop: 'end', lastBatch: {baseOffset: 3, lastOffset: 3}})
    expect(headers.bytes).toBeLessThanOrEqual(4 * 64 * 1024)
    // Checking the last batch's CRC reads that batch whole, and still not the others.
    const last = scan(file, 'last')
    expect(last.result.stop).toBe('end')
    expect(last.bytes).toBeGreaterThan(2 * 1024 * 1024)
    expect(last.bytes).toBeLessThan(3 * 1024 * 1024)
    expect(scan(file, true).result.stop).toBe('end')
  })

  it('still finds every batch of a file of small ones', () => {
    const file = segmentOf(3000, 100)
    const {result, bytes} = scan(file, false)
    expect(result).toMatchObject({stop: 'end', validEnd: fs.statSync(file).size, lastBatch: {baseOffset: 2999}})
    expect(bytes).toBeLessThanOrEqual(fs.statSync(file).size)
  })
})
