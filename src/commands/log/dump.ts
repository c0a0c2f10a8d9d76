import fs from 'node:fs'
import path from 'node:path'
import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {ENCODINGS, Encoding, encodeBytes} from '../../cli/encoding.js'
import {RecordOutput} from '../../cli/output.js'
import {StromError} from '../../core/errors.js'
import {parseSegmentLogName} from '../../core/format/segment-files.js'
import {segmentPaths} from '../../core/segment/segment.js'
import {DumpEntry, DumpedBatch, dumpFile} from '../../core/maintenance/dump.js'
import {ABORTED_TXN_SIZE, TXN_INDEX_SUFFIX, readTxnIndexFile} from '../../core/txn/txn-index.js'
import {maintenanceTargets} from '../../core/maintenance/targets.js'
import {listSegmentBases} from '../../core/partition/partition-files.js'

export default class LogDump extends StromCommand {
  static summary = 'Print the record batches of a topic\'s segments (like kafka-dump-log): headers, and with --records keys, values and headers.'
  static description = 'Damaged bytes are shown as such, with where valid batches resume. --file dumps any segment file, including a quarantine file written by `strom log repair`, and a `.txnindex` file (one line per aborted transaction). Transaction markers (control batches) show their type (COMMIT/ABORT), producer id and epoch.'
  static examples = [
    '<%= config.bin %> log dump logs',
    '<%= config.bin %> log dump logs -p 0 --offset 1000 --records',
    '<%= config.bin %> log dump logs --json | jq "select(.crcValid == false)"',
    '<%= config.bin %> log dump --file ~/.local/share/strom/topics/out/0/00000000000000000000.txnindex',
    '<%= config.bin %> log dump --file ~/.local/share/strom/quarantine/logs/0/00000000000000000000.log.4096.*.bin',
  ]

  static args = {topic: Args.string({ignoreStdin: true, description: 'topic (or use --file)'})}
  static flags = {
    partition: Flags.integer({char: 'p', description: 'only this partition (repeatable)', multiple: true}),
    offset: Flags.integer({char: 'o', description: 'start at the batch holding this offset'}),
    records: Flags.boolean({char: 'r', description: 'also print every record: offset, timestamp, key, value, headers'}),
    json: Flags.boolean({description: 'one JSON object per batch (NDJSON)'}),
    file: Flags.string({description: 'dump this file instead of a topic (a .log segment, a quarantine .bin, or a .txnindex)'}),
    'key-encoding': Flags.string({description: 'how keys are printed', options: [...ENCODINGS], default: 'utf8'}),
    'value-encoding': Flags.string({description: 'how values and header values are printed', options: [...ENCODINGS], default: 'utf8'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(LogDump)
    const files: Array<{file: string; label: string; segment?: number; topic?: string; partition?: number}> = []
    if (flags.file !== undefined) {
      if (args.topic !== undefined) throw new StromError('INVALID_ARGUMENT', 'give a topic or --file, not both')
      if (!fs.statSync(flags.file, {throwIfNoEntry: false})?.isFile()) throw new StromError('INVALID_ARGUMENT', `--file ${flags.file}: no such file`)
      if (flags.file.endsWith(TXN_INDEX_SUFFIX)) return this.dumpTxnIndex(flags.file, flags.json)
      files.push({file: path.resolve(flags.file), label: flags.file, segment: parseSegmentLogName(path.basename(flags.file))})
    } else {
      if (args.topic === undefined) throw new StromError('INVALID_ARGUMENT', 'no topic given', {hint: 'strom log dump TOPIC, or --file PATH'})
      const log = this.openLog(flags)
      for (const ref of maintenanceTargets(log, args.topic, flags.partition)) {
        const bases = listSegmentBases(ref.partitionDir)
        const start = flags.offset === undefined ? 0 : Math.max(0, bases.filter((b) => b <= flags.offset!).length - 1)
        for (const base of bases.slice(start)) {
          files.push({file: segmentPaths(ref.partitionDir, base).log, label: `${ref.topic}/${ref.partition} segment ${path.basename(segmentPaths(ref.partitionDir, base).log)}`, segment: base, topic: ref.topic, partition: ref.partition})
        }
      }
    }
    const out = new RecordOutput()
    let closed = false
    out.whenClosed(() => (closed = true))
    const keyEncoding = flags['key-encoding'] as Encoding
    const valueEncoding = flags['value-encoding'] as Encoding
    const text = (bytes: Buffer | null, encoding: Encoding) => (bytes === null ? null : encodeBytes(bytes, encoding))
    for (const target of files) {
      if (closed) break
      if (!flags.json) out.writeString(`Dumping ${target.label}\n`)
      const render = (entry: DumpEntry): void => {
        if (flags.json) {
          const records = entry.type === 'batch' ? entry.records?.map((r) => ({...r, key: text(r.key, keyEncoding), value: text(r.value, valueEncoding), headers: r.headers.map((h) => ({key: h.key, value: text(h.value, valueEncoding)}))})) : undefined
          out.writeString(JSON.stringify({topic: target.topic, partition: target.partition, segment: target.segment, ...entry, ...(records === undefined ? {} : {records})}) + '\n')
          return
        }
        if (entry.type === 'damage') {
          out.writeString(`DAMAGED position: ${entry.position} bytes: ${entry.bytes} reason: ${entry.reason}\n`)
          return
        }
        out.writeString(`baseOffset: ${entry.baseOffset} lastOffset: ${entry.lastOffset} count: ${entry.count} position: ${entry.position} size: ${entry.sizeBytes} ${entry.timestampType}: ${entry.baseTimestamp} maxTimestamp: ${entry.maxTimestamp} magic: ${entry.magic} compresscodec: ${entry.compression} crc: ${entry.crc} isvalid: ${entry.crcValid}`
          + ` partitionLeaderEpoch: ${entry.partitionLeaderEpoch} producerId: ${entry.producerId} producerEpoch: ${entry.producerEpoch} isTransactional: ${entry.isTransactional} isControl: ${entry.isControl}${entry.deleteHorizonMs === null ? '' : ` deleteHorizonMs: ${entry.deleteHorizonMs}`}${markerText(entry.marker)}\n`)
        for (const r of entry.controlRecords ?? []) {
          out.writeString(`| offset: ${r.offset} timestamp: ${r.timestamp} endTxnMarker: ${r.type ?? `unknown type ${r.keyType ?? '-'}`} keyVersion: ${r.keyVersion ?? '-'} coordinatorEpoch: ${r.coordinatorEpoch ?? '-'}\n`)
        }
        for (const r of entry.records ?? []) {
          const headers = r.headers.map((h) => `${JSON.stringify(h.key)}=${JSON.stringify(text(h.value, valueEncoding))}`).join(',')
          out.writeString(`| offset: ${r.offset} timestamp: ${r.timestamp} keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1} headers: [${headers}] key: ${JSON.stringify(text(r.key, keyEncoding))} value: ${JSON.stringify(text(r.value, valueEncoding))}\n`)
        }
      }
      let position: number | undefined = 0
      do {
        let visited = 0
        position = dumpFile(target.file, {fromOffset: flags.offset, records: flags.records, fromPosition: position}, (entry) => {
          render(entry)
          return ++visited < 256
        })
        await out.maybeFlush()
      } while (position !== undefined && !closed)
    }
    await out.flush()
  }

  /** A `.txnindex` file, one line per aborted transaction, as kafka-dump-log prints one. */
  private async dumpTxnIndex(file: string, json: boolean): Promise<void> {
    const out = new RecordOutput()
    const {entries, trailingBytes} = readTxnIndexFile(file)
    const segment = parseSegmentLogName(path.basename(file).slice(0, -TXN_INDEX_SUFFIX.length) + '.log')
    if (!json) out.writeString(`Dumping ${file}\n`)
    for (const e of entries) {
      out.writeString(json
        ? JSON.stringify({type: 'abortedTxn', segment, ...e}) + '\n'
        : `version: ${e.version} producerId: ${e.producerId} firstOffset: ${e.firstOffset} lastOffset: ${e.lastOffset} lastStableOffset: ${e.lastStableOffset}\n`)
    }
    if (trailingBytes > 0) {
      const position = entries.length * ABORTED_TXN_SIZE
      const reason = `${trailingBytes} trailing bytes are shorter than an entry (${ABORTED_TXN_SIZE} bytes): a torn write, ignored by readers`
      out.writeString(json ? JSON.stringify({type: 'damage', segment, position, bytes: trailingBytes, reason}) + '\n' : `DAMAGED position: ${position} bytes: ${trailingBytes} reason: ${reason}\n`)
    }
    await out.flush()
  }
}

function markerText(marker: DumpedBatch['marker']): string {
  if (marker === undefined) return ''
  if (marker.problem !== null) return ` endTxnMarker: malformed (${marker.problem})`
  return ` endTxnMarker: ${marker.type} coordinatorEpoch: ${marker.coordinatorEpoch}`
}
