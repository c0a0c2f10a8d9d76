/**
 * Whole batches of one segment file, in order, each CRC-checked: what compaction and dump walk.
 * A batch that fails its checks stops the walk with CORRUPT_SEGMENT naming the place, because
 * rewriting (or printing as valid) damaged data would hide the damage.
 */
import fs from 'node:fs'
import {StromError} from '../errors.js'
import {scanBatches, ScannedBatch} from '../segment/batch-scan.js'

export type BatchVisitor = (batch: Buffer, info: ScannedBatch) => boolean | void

/**
 * Visits every complete batch from `fromPosition`; a torn tail is allowed only when `allowTornTail`.
 * With `transient`, the visitor keeps no view of a batch past its call (the read buffer is reused).
 */
export function forEachBatch(file: string, visit: BatchVisitor, options: {fromPosition?: number; allowTornTail?: boolean; where?: string; transient?: boolean} = {}): void {
  const fd = fs.openSync(file, 'r')
  try {
    const size = fs.fstatSync(fd).size
    const scan = scanBatches(fd, options.fromPosition ?? 0, size, {
      verifyCrc: true,
      reuseWindow: options.transient === true,
      onBatch: (info, window, windowPosition) => {
        const at = info.position - windowPosition
        return visit(window.subarray(at, at + info.sizeBytes), info)
      },
    })
    if (scan.stop === 'corrupt' || (scan.stop === 'incomplete' && !options.allowTornTail)) {
      throw new StromError('CORRUPT_SEGMENT', `${options.where ?? file}: invalid batch at byte ${scan.validEnd}${scan.brokenBaseOffset === undefined ? '' : ` (offset ${scan.brokenBaseOffset})`}: ${scan.reason}`, {
        hint: 'see the damage with `strom log verify`, fix it with `strom log repair`',
        details: {file, position: scan.validEnd},
      })
    }
  } finally {
    fs.closeSync(fd)
  }
}
