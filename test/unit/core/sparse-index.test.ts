import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterEach, describe, expect, it} from 'vitest'
import {OFFSET_INDEX_ENTRY_SIZE, OffsetIndex} from '../../../src/core/segment/offset-index.js'
import {dropTornEntry, lastBelow, readIndexFile} from '../../../src/core/segment/sparse-index.js'
import {TIME_INDEX_ENTRY_SIZE, TimeIndex} from '../../../src/core/segment/time-index.js'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, {recursive: true, force: true})
})

function tempFile(bytes: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strom-sparse-index-'))
  dirs.push(dir)
  const file = path.join(dir, '00000000000000000100.index')
  fs.writeFileSync(file, bytes)
  return file
}

describe('sparse index (shared by the offset and time indexes)', () => {
  it('lastBelow finds the last key strictly below the target', () => {
    expect(lastBelow([], 5)).toBe(-1)
    expect(lastBelow([10, 20, 30], 10)).toBe(-1)
    expect(lastBelow([10, 20, 30], 11)).toBe(0)
    expect(lastBelow([10, 20, 30], 30)).toBe(1)
    expect(lastBelow([10, 20, 30], 31)).toBe(2)
  })

  it('decodes both layouts byte for byte and ignores a partial last entry', () => {
    const offsets = Buffer.concat([OffsetIndex.encodeEntry(100, {offset: 104, position: 0}), OffsetIndex.encodeEntry(100, {offset: 109, position: 4096}), Buffer.from([0, 0, 0])])
    expect(offsets.subarray(0, 8).toString('hex')).toBe('0000000400000000')
    const index = OffsetIndex.decode(offsets, 100)
    expect(index.offsets).toEqual([104, 109])
    expect(index.positions).toEqual([0, 4096])
    expect(index.positionFor(105)).toBe(0)
    expect(index.positionFor(110)).toBe(4096)

    const times = Buffer.concat([TimeIndex.encodeEntry(100, 1000, 104), TimeIndex.encodeEntry(100, 2000, 109), Buffer.from([1, 2, 3, 4, 5])])
    expect(times.subarray(0, 12).toString('hex')).toBe('00000000000003e800000004')
    const timeIndex = TimeIndex.decode(times, 100)
    expect(timeIndex.timestamps).toEqual([1000, 2000])
    expect(timeIndex.offsets).toEqual([104, 109])
    expect(timeIndex.offsetBefore(1000)).toBeUndefined()
    expect(timeIndex.offsetBefore(1500)).toBe(104)
  })

  it('reads a missing index file as undefined', () => {
    expect(readIndexFile(path.join(os.tmpdir(), 'strom-no-such-dir', 'x.index'), () => 1)).toBeUndefined()
    expect(OffsetIndex.read(path.join(os.tmpdir(), 'strom-no-such-dir', 'x.index'), 0)).toBeUndefined()
  })

  it('dropTornEntry cuts a partial last entry and returns the last whole one', () => {
    const whole = Buffer.concat([TimeIndex.encodeEntry(100, 1000, 104), TimeIndex.encodeEntry(100, 2000, 109)])
    const file = tempFile(Buffer.concat([whole, Buffer.from([9, 9, 9])]))
    const fd = fs.openSync(file, 'r+')
    try {
      const {sizeBytes, last} = dropTornEntry(fd, fs.fstatSync(fd).size, TIME_INDEX_ENTRY_SIZE)
      expect(sizeBytes).toBe(2 * TIME_INDEX_ENTRY_SIZE)
      expect(last?.toString('hex')).toBe(whole.subarray(TIME_INDEX_ENTRY_SIZE).toString('hex'))
    } finally {
      fs.closeSync(fd)
    }
    expect(fs.statSync(file).size).toBe(2 * TIME_INDEX_ENTRY_SIZE)

    const empty = tempFile(Buffer.from([1, 2, 3]))
    const emptyFd = fs.openSync(empty, 'r+')
    try {
      expect(dropTornEntry(emptyFd, 3, OFFSET_INDEX_ENTRY_SIZE)).toEqual({sizeBytes: 0, last: undefined})
    } finally {
      fs.closeSync(emptyFd)
    }
    expect(fs.statSync(empty).size).toBe(0)
  })
})
