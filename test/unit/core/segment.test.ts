import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {CLEANED_SUFFIX, DELETED_SUFFIX, SEGMENT_FILES, Segment, deleteSegments, segmentPaths} from '../../../src/core/segment/segment.js'
import {SegmentIndexBuilder} from '../../../src/core/segment/index-builder.js'
import {OffsetIndex} from '../../../src/core/segment/offset-index.js'
import {TimeIndex} from '../../../src/core/segment/time-index.js'
import {tmpLogDir} from '../../helpers/strom.js'

const suffixes = SEGMENT_FILES.map((file) => file.suffix)
/** The files a new segment starts with (a .txnindex appears only when a transaction aborts). */
const createdSuffixes = SEGMENT_FILES.filter((file) => file.createdWithSegment).map((file) => file.suffix)

describe('Segment: the files of one segment, handled as a set', () => {
  it('names every file of the set from the one list, base offset padded to 20 digits', () => {
    expect(segmentPaths('/p', 42)).toEqual({log: '/p/00000000000000000042.log', index: '/p/00000000000000000042.index', timeIndex: '/p/00000000000000000042.timeindex', txnIndex: '/p/00000000000000000042.txnindex'})
    expect(Object.values(new Segment('/p', 42).cleanedPaths())).toEqual(suffixes.map((suffix) => `/p/00000000000000000042${suffix}${CLEANED_SUFFIX}`))
  })

  it('createEmpty makes every file created with a segment; logSize is 0 for an empty or vanished segment', () => {
    const dir = tmpLogDir()
    const segment = new Segment(dir, 7)
    expect(segment.logSize()).toBe(0)
    segment.createEmpty()
    expect(fs.readdirSync(dir).sort()).toEqual(createdSuffixes.map((suffix) => `00000000000000000007${suffix}`).sort())
    fs.writeFileSync(segment.paths.log, 'abc')
    expect(segment.logSize()).toBe(3)
    expect(segment.readOffsetIndex()?.length).toBe(0)
  })

  it('deleteSegments removes every file of each segment and nothing else; files already gone are skipped', () => {
    const dir = tmpLogDir()
    for (const base of [0, 10, 20]) new Segment(dir, base).createEmpty()
    for (const base of [0, 20]) fs.writeFileSync(new Segment(dir, base).paths.txnIndex, Buffer.alloc(34))
    fs.rmSync(new Segment(dir, 10).paths.timeIndex)
    deleteSegments(dir, [0, 10])
    expect(fs.readdirSync(dir).sort()).toEqual(suffixes.map((suffix) => `00000000000000000020${suffix}`).sort())
  })

  it('renameToDeleted renames the whole set, the .log first', () => {
    const dir = tmpLogDir()
    const segment = new Segment(dir, 3)
    segment.createEmpty()
    fs.writeFileSync(segment.paths.txnIndex, Buffer.alloc(34))
    const renamed = segment.renameToDeleted()
    expect(renamed.map((file) => path.basename(file))).toEqual(suffixes.map((suffix) => `00000000000000000003${suffix}${DELETED_SUFFIX}`))
    expect(renamed[0].endsWith(`.log${DELETED_SUFFIX}`)).toBe(true)
  })

  it('swapInCleaned installs every .cleaned file over its file, and finishes a swap that was half done', () => {
    const dir = tmpLogDir()
    const segment = new Segment(dir, 5)
    segment.createEmpty()
    const cleaned = segment.cleanedPaths()
    for (const file of SEGMENT_FILES) fs.writeFileSync(cleaned[file.kind], `new ${file.kind}`)
    // An interrupted run had renamed the .log already.
    fs.renameSync(cleaned.log, segment.paths.log)
    segment.swapInCleaned()
    for (const file of SEGMENT_FILES) expect(fs.readFileSync(segment.paths[file.kind], 'utf8')).toBe(`new ${file.kind}`)
    expect(fs.readdirSync(dir).filter((name) => name.endsWith(CLEANED_SUFFIX))).toEqual([])
  })
})

describe('SegmentIndexBuilder: the indexes recovery rebuilds and compaction writes', () => {
  it('indexes a batch once index.interval.bytes lie since the last indexed one, with the largest timestamp so far, and the last largest at the end', () => {
    const builder = new SegmentIndexBuilder(10, 100)
    builder.add({position: 0, lastOffset: 10, maxTimestamp: 5}) // position 0 is never indexed
    builder.add({position: 50, lastOffset: 11, maxTimestamp: 3})
    builder.add({position: 120, lastOffset: 12, maxTimestamp: 7}) // 120 bytes since 0: indexed, with (7, 12)
    builder.add({position: 130, lastOffset: 13, maxTimestamp: 9})
    builder.add({position: 260, lastOffset: 14, maxTimestamp: 8}) // indexed, with the pending (9, 13)
    builder.add({position: 270, lastOffset: 15, maxTimestamp: 20}) // not indexed: (20, 15) goes in at the end
    const built = builder.finish()
    const index = OffsetIndex.decode(built.index, 10)
    expect([index.offsets, index.positions]).toEqual([[12, 14], [120, 260]])
    const timeIndex = TimeIndex.decode(built.timeIndex, 10)
    expect([timeIndex.timestamps, timeIndex.offsets]).toEqual([[7, 9, 20], [12, 13, 15]])
  })
})
