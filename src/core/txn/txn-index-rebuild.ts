/**
 * Rebuilds `.txnindex` files from the log itself, as Kafka recovers the index by replaying producer
 * state: used by `log repair` when verify found entries that name no ABORT marker, or when repair
 * cut a segment's tail (entries for markers that were in the cut bytes would otherwise stay).
 *
 * The partition's segments are read in offset order. A producer's transaction starts at its first
 * transactional data batch after its previous marker; each ABORT marker yields the entry
 * {producerId, firstOffset: that start (the marker itself when no data of it is left),
 * lastOffset: the marker, lastStableOffset: marker + 1} in the index of the segment holding the
 * marker: the entry the coordinator writes when it appends the marker (txn-coordinator.ts).
 */
import fs from 'node:fs'
import {writeFileAtomic} from '../io/atomic-file.js'
import {scanBatches} from '../segment/batch-scan.js'
import {segmentPaths} from '../segment/segment.js'
import {batchTxnInfo, markerTypeAt} from './control-batch.js'
import {AbortedTxn, encodeAbortedTxn} from './txn-index.js'

/**
 * The entries each segment's `.txnindex` should hold, by segment base. Batches after the first
 * invalid one in a segment are not read (repair has cut or quarantined them by then).
 */
export function expectedTxnIndexes(partitionDir: string, segmentBases: number[]): Map<number, AbortedTxn[]> {
  const transactionStart = new Map<number, number>()
  const bySegment = new Map<number, AbortedTxn[]>()
  for (const base of [...segmentBases].sort((a, b) => a - b)) {
    const entries: AbortedTxn[] = []
    bySegment.set(base, entries)
    const fd = fs.openSync(segmentPaths(partitionDir, base).log, 'r')
    try {
      // CRCs checked: the whole batch is then in the window, and a marker's type is read from bytes known sound.
      scanBatches(fd, 0, fs.fstatSync(fd).size, {
        verifyCrc: true,
        onBatch: (batch, window, windowPosition) => {
          const at = batch.position - windowPosition
          const info = batchTxnInfo(window, at)
          if (!info.transactional) return
          if (!info.control) {
            if (!transactionStart.has(info.producerId)) transactionStart.set(info.producerId, batch.baseOffset)
            return
          }
          const type = markerTypeAt(window, at)
          if (type === undefined) return // a malformed control batch ends nothing (verify reports it)
          if (type === 'ABORT') {
            entries.push({producerId: info.producerId, firstOffset: transactionStart.get(info.producerId) ?? batch.baseOffset, lastOffset: batch.baseOffset, lastStableOffset: batch.baseOffset + 1})
          }
          transactionStart.delete(info.producerId)
        },
      })
    } finally {
      fs.closeSync(fd)
    }
  }
  return bySegment
}

/**
 * Rewrites the `.txnindex` of each segment in `segments` whose bytes differ from what the log says
 * (atomically: a temporary file renamed over it; removed when no entry is due). Caller holds the
 * partition's write lock. Returns the bases of the segments whose index changed.
 */
export function rebuildTxnIndexes(partitionDir: string, segmentBases: number[], segments: Iterable<number>): number[] {
  const expected = expectedTxnIndexes(partitionDir, segmentBases)
  const changed: number[] = []
  for (const base of new Set(segments)) {
    const entries = expected.get(base)
    if (entries === undefined) continue
    const file = segmentPaths(partitionDir, base).txnIndex
    const bytes = Buffer.concat(entries.map(encodeAbortedTxn))
    let current: Buffer | undefined
    try {
      current = fs.readFileSync(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    if (current === undefined ? bytes.length === 0 : current.equals(bytes)) continue
    if (bytes.length === 0) fs.rmSync(file, {force: true})
    else writeFileAtomic(file, bytes)
    changed.push(base)
  }
  return changed
}
