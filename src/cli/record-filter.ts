/**
 * Filters evaluated before formatting: `--grep REGEX` on the value (as UTF-8 text) and `--key K` on
 * the exact key bytes. Filtered-out messages still count as read (a group commits past them).
 */
import {StromError} from '../core/errors.js'
import type {RecordView} from '../core/format/record-view.js'

export type RecordFilter = (record: RecordView) => boolean

export function makeFilter(options: {grep?: string; key?: string; invert?: boolean}): RecordFilter | undefined {
  const tests: RecordFilter[] = []
  if (options.grep !== undefined) {
    let pattern: RegExp
    try {
      pattern = new RegExp(options.grep)
    } catch (error) {
      throw new StromError('INVALID_ARGUMENT', `invalid --grep pattern: ${(error as Error).message}`)
    }
    tests.push((record) => {
      const value = record.valueLength < 0 ? null : record.data.toString('utf8', record.valueStart, record.valueStart + record.valueLength)
      return value !== null && pattern.test(value)
    })
  }
  if (options.key !== undefined) {
    const wanted = Buffer.from(options.key)
    tests.push((record) => {
      const key = record.key()
      return key !== null && key.equals(wanted)
    })
  }
  if (tests.length === 0) return undefined
  const all: RecordFilter = (record) => tests.every((test) => test(record))
  return options.invert ? (record) => !all(record) : all
}
