import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {ENCODINGS, Encoding, decodeText, unescapeDelimiter} from '../cli/encoding.js'
import {parseEnvelope} from '../cli/envelope.js'
import {MessageHandler, RunHandler, readDelimitedStdin} from '../cli/delimited-input.js'
import {StromError} from '../core/errors.js'
import {describeDelivery} from '../cli/delivery-message.js'
import {CODEC_NAMES, CodecName} from '../core/format/compression.js'
import type {Header} from '../core/format/record-batch.js'
import type {RecordSink} from '../backends/backend.js'
import {PARTITIONERS, PartitionerName} from '../core/topic/partitioner.js'

export default class Produce extends StromCommand {
  static summary = 'Append messages to a topic, from stdin or the arguments.'
  static description = `One message per line by default. Keyed messages go to the partition Kafka's default partitioner would pick (murmur2), so the same key lands in the same partition number as on a Kafka cluster. A batch is acknowledged once written to the OS; --sync also fsyncs it. Batches are compressed with --compression's codec; without it, on a log directory, with the topic's compression.type (\`producer\`, the default, leaves them uncompressed).

With --json, each line is an envelope as consume --json prints it. Its "partition" (where the record was in the source topic) is ignored unless --keep-partition is given: keyed records go where their key hashes, unkeyed ones where --partitioner puts them, so a 3-partition topic can be copied into a 1-partition one.`
  static examples = [
    {description: 'Ship a log file as it grows', command: 'tail -F app.log | <%= config.bin %> produce logs --create'},
    {description: 'Keyed messages, key and value split at the first ":"', command: 'printf "user1:login\\nuser2:logout\\n" | <%= config.bin %> produce events -K:'},
    {description: 'Messages from the arguments, with a header', command: '<%= config.bin %> produce events "hello" "world" -H source=cli'},
    {description: 'Round-trip from another topic through jq', command: '<%= config.bin %> consume a --json | jq -c ".value |= ascii_upcase" | <%= config.bin %> produce b --json --create'},
    {description: 'NUL-separated binary-safe input, fsync per batch', command: 'find . -print0 | <%= config.bin %> produce files -D "\\0" --sync'},
    {description: 'zstd-compressed batches', command: 'cat access.log | <%= config.bin %> produce logs --compression zstd'},
  ]

  static strict = false
  static args = {
    topic: Args.string({ignoreStdin: true, description: 'topic to append to', required: true}),
    messages: Args.string({ignoreStdin: true, description: 'messages to send instead of reading stdin', required: false}),
  }

  static flags = {
    delimiter: Flags.string({char: 'D', description: 'message delimiter in the input (escapes: \\n \\t \\0 \\xNN)', default: '\\n'}),
    'key-delimiter': Flags.string({char: 'K', description: 'split each message into key and value at the first occurrence of this string'}),
    json: Flags.boolean({description: 'read NDJSON envelopes {key, value, headers, timestamp} (what consume --json prints); their "partition" is ignored unless --keep-partition: keyed records go where their key hashes, unkeyed ones where --partitioner puts them'}),
    'keep-partition': Flags.boolean({description: 'with --json: send each record to the partition its envelope names (an error if the topic has no such partition)', dependsOn: ['json']}),
    header: Flags.string({char: 'H', description: 'add a header key=value to every message (repeatable)', multiple: true}),
    partition: Flags.integer({char: 'p', description: 'send every message to this partition'}),
    partitioner: Flags.string({description: 'partition choice for unkeyed messages (default: sticky)', options: [...PARTITIONERS], exclusive: ['partition']}),
    'value-encoding': Flags.string({description: 'how values (and header values) are written in the input', options: [...ENCODINGS], default: 'utf8'}),
    'key-encoding': Flags.string({description: 'how keys are written in the input', options: [...ENCODINGS], default: 'utf8'}),
    'null-empty': Flags.boolean({char: 'Z', description: 'send an empty key or value as null (a tombstone on compacted topics)'}),
    sync: Flags.boolean({description: 'fsync each batch before it counts as written'}),
    compression: Flags.string({description: "compress each batch with this codec (default: on a log directory the topic's compression.type, `producer` meaning none; on Kafka none)", options: [...CODEC_NAMES]}),
    acks: Flags.string({description: "the acknowledgement a Kafka cluster gives: all in-sync replicas (all, -1; the default), the leader (1) or none (0); a log directory has one copy and acknowledges once written to the OS (--sync: on disk)", options: ['all', '-1', '1', '0']}),
    create: Flags.boolean({description: 'create the topic if it does not exist'}),
    partitions: Flags.integer({description: 'with --create: partitions of the topic if it is created (default: 1)', dependsOn: ['create']}),
    'batch-size': Flags.integer({description: 'largest batch in bytes (capped by the topic\'s max.message.bytes)', default: 256 * 1024}),
    'linger-ms': Flags.integer({description: 'wait this long for more input before appending a partial batch', default: 0}),
    verbose: Flags.boolean({char: 'v', description: 'print a summary (messages, bytes, rate) to stderr at the end'}),
  }

  async run(): Promise<void> {
    const {args, argv, flags} = await this.parse(Produce)
    const backend = await this.openBackend(flags, {write: flags.create})
    const producer = await backend.openSink(args.topic, {
      partitioner: (flags.partitioner ?? 'sticky') as PartitionerName,
      sync: flags.sync,
      batchBytes: flags['batch-size'],
      createPartitions: flags.create ? flags.partitions ?? 1 : undefined,
      compression: flags.compression as CodecName | undefined,
      acks: flags.acks === undefined || flags.acks === 'all' ? -1 : (Number(flags.acks) as -1 | 0 | 1),
    })
    if (flags.partition !== undefined) producer.checkPartition(flags.partition)
    const encodings = {key: flags['key-encoding'] as Encoding, value: flags['value-encoding'] as Encoding}
    const headers = parseHeaderFlags(flags.header ?? [], encodings.value)
    const keyDelimiter = flags['key-delimiter'] === undefined ? undefined : unescapeDelimiter(flags['key-delimiter'])
    const nullEmpty = flags['null-empty']
    const keepPartition = flags['keep-partition']
    // Checked before the record is added, so the error can say exactly what was written: every
    // line before this one (appended when the command stops), nothing from this line on.
    const checkKeptPartition = (partition: number) => {
      try {
        producer.checkPartition(partition)
      } catch (error) {
        if (!(error instanceof StromError)) throw error
        const written = line - 1
        throw new StromError(error.code, `input line ${line} (--keep-partition): ${error.message}`, {
          hint: `${written === 0 ? 'nothing was written' : written === 1 ? 'input line 1 was written' : `input lines 1-${written} were written`}, nothing after; drop --keep-partition to place records by key (or --partitioner), or give the topic more partitions`,
          details: error.details,
        })
      }
    }
    const started = process.hrtime.bigint()
    let line = 0
    // Empty lines of --json input are no messages: their numbers map messages back to input lines.
    const skippedLines: number[] = []

    const sendRaw = (buf: Buffer, start: number, end: number, timestamp: number) => {
      line++
      if (flags.json) {
        if (end === start) {
          skippedLines.push(line)
          return
        }
        // Invalid UTF-8 would silently become U+FFFD: refuse it (binary data belongs in base64/hex).
        let text: string
        try {
          text = strictUtf8.decode(buf.subarray(start, end))
        } catch {
          throw new StromError('INVALID_INPUT', `input line ${line}: not valid UTF-8`, {hint: 'NDJSON is UTF-8 text; carry binary keys and values as base64 or hex (--key-encoding, --value-encoding)'})
        }
        const envelope = parseEnvelope(text, `input line ${line}`, encodings)
        const allHeaders = headers.length === 0 ? envelope.headers : [...envelope.headers, ...headers]
        // The envelope's partition is where the record was in the source topic, which may have more
        // partitions than this one: it is only kept when asked for (--keep-partition).
        const partition = keepPartition ? envelope.partition ?? flags.partition : flags.partition
        if (keepPartition && envelope.partition !== undefined) checkKeptPartition(envelope.partition)
        producer.sendBytes(envelope.key, envelope.value, envelope.timestamp ?? timestamp, allHeaders, partition)
        return
      }
      let key: Buffer | null = null
      let valueStart = start
      if (keyDelimiter !== undefined) {
        const at = indexWithin(buf, keyDelimiter, start, end)
        if (at >= 0) {
          key = decodeField(buf.subarray(start, at), encodings.key)
          valueStart = at + keyDelimiter.length
        }
      }
      if (nullEmpty && key !== null && key.length === 0) key = null
      const recordHeaders = headers.length === 0 ? undefined : headers
      if (encodings.value === 'utf8' && !(nullEmpty && valueStart === end)) {
        // The hot path: the value goes from the stdin chunk into the batch with no copy in between.
        producer.sendSlice(key, buf, valueStart, end, timestamp, recordHeaders, flags.partition)
        return
      }
      const value = nullEmpty && valueStart === end ? null : decodeField(buf.subarray(valueStart, end), encodings.value)
      producer.sendBytes(key, value, timestamp, recordHeaders, flags.partition)
    }
    const decodeField = (bytes: Buffer, encoding: Encoding): Buffer =>
      encoding === 'utf8' ? bytes : decodeText(bytes.toString('latin1'), encoding, `input line ${line}`)
    // Errors name the input line (messages before it are appended when the command stops).
    const withLine = (error: unknown): unknown =>
      error instanceof StromError && !error.message.startsWith('input line')
        ? new StromError(error.code, `input line ${line}: ${error.message}`, {hint: error.hint, details: error.details})
        : error
    const send = (buf: Buffer, start: number, end: number, timestamp: number) => {
      try {
        sendRaw(buf, start, end, timestamp)
      } catch (error) {
        throw withLine(error)
      }
    }
    // Plain lines (no JSON, headers or text encodings to decode, one-byte delimiters): the sink
    // takes each chunk's messages at once and splits them itself, where they lie in the chunk.
    const delimiter = unescapeDelimiter(flags.delimiter)
    const plainLines = !flags.json && headers.length === 0 && encodings.value === 'utf8' && delimiter.length === 1
      && (keyDelimiter === undefined || (keyDelimiter.length === 1 && encodings.key === 'utf8'))
    const runOptions = {delimiter: delimiter[0], keyDelimiter: keyDelimiter === undefined ? -1 : keyDelimiter[0], nullEmpty, partition: flags.partition}
    const sendRun = plainLines && producer.sendDelimited !== undefined
      ? (buf: Buffer, start: number, end: number, timestamp: number) => {
        const before = producer.stats.messages
        try {
          producer.sendDelimited!(buf, start, end, runOptions, timestamp)
        } catch (error) {
          line += producer.stats.messages - before + 1
          throw withLine(error)
        }
        line += producer.stats.messages - before
      }
      : undefined

    let interrupted = false
    this.onInterrupt(() => {
      interrupted = true
      process.stdin.destroy()
    })

    const messages = argv.slice(1) as string[]
    let failure: unknown
    try {
      if (messages.length > 0) {
        const now = Date.now()
        for (const message of messages) {
          const bytes = Buffer.from(message)
          send(bytes, 0, bytes.length, now)
        }
      } else {
        await this.readStdin(delimiter, send, sendRun, producer, flags['linger-ms'], () => interrupted, () => line)
      }
    } catch (error) {
      failure = error
    }
    // After a failed append nothing more is appended (what was written stays the input's first
    // lines, so a retry can start right after them); after any other error or an interrupt,
    // whatever was read before it is appended.
    if (failure !== undefined && appendFailed(producer)) producer.discardPending?.()
    try {
      await producer.close()
    } catch (error) {
      failure ??= error
    }
    if (failure !== undefined) throw withDelivery(failure, producer, messages.length > 0 ? 'message' : 'line', skippedLines)
    this.summarize(producer, started, flags.verbose)
  }

  private async readStdin(
    delimiter: Buffer,
    send: MessageHandler,
    sendRun: RunHandler | undefined,
    producer: RecordSink,
    lingerMs: number,
    interrupted: () => boolean,
    lineNumber: () => number,
  ): Promise<void> {
    // The hot path lives in src/cli/delimited-input.ts.
    const max = producer.maxMessageBytes
    // A line longer than the topic takes is refused as soon as it passes the limit, not once read whole.
    const limit = max === undefined ? undefined : {
      maxBytes: max,
      tooLong: (bytes: number) => new StromError('RECORD_TOO_LARGE', `input line ${lineNumber() + 1} is longer than max.message.bytes (${max}) of topic '${producer.topicName}': refused after reading ${bytes} bytes of it`, {
        hint: `split the line, or raise the limit with \`strom topic alter ${producer.topicName} --config max.message.bytes=N\``,
      }),
    }
    await readDelimitedStdin({delimiter, send, sendRun, producer, lingerMs, interrupted, limit})
  }

  private summarize(producer: RecordSink, started: bigint, verbose: boolean): void {
    if (!verbose && !process.stderr.isTTY) return
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const {messages, bytes, batches} = producer.stats
    const rate = seconds > 0 ? Math.round(messages / seconds) : messages
    process.stderr.write(`produced ${messages} messages (${bytes} bytes, ${batches} batches) to ${producer.topicName} in ${seconds.toFixed(3)}s, ${rate} msg/s\n`)
  }
}

/** Some batch failed to append (the sink says which messages were not written). */
function appendFailed(producer: RecordSink): boolean {
  const report = producer.delivery?.()
  return report !== undefined && report.appendFailed
}

/**
 * A failed append's error, saying exactly which input lines were written and which were not
 * (the sink knows it by message number; empty --json lines are no messages and are skipped).
 */
function withDelivery(error: unknown, producer: RecordSink, unit: string, skippedLines: number[]): unknown {
  if (!appendFailed(producer)) return error
  const report = producer.delivery!()
  const lineOf = (record: number): number => {
    let line = record + 1
    for (const skipped of skippedLines) {
      if (skipped > line) break
      line++
    }
    return line
  }
  const what = error instanceof StromError && typeof error.details?.what === 'string' ? error.details.what : (error as Error).message
  const outcome = describeDelivery(report, lineOf, unit === 'line' ? 'input line' : unit)
  const code = error instanceof StromError ? error.code : 'IO_ERROR'
  const hint = error instanceof StromError ? error.hint : undefined
  return new StromError(code, `${what}; ${outcome}`, {hint, details: {...(error instanceof StromError ? error.details : {}), delivery: report}, cause: error})
}

/** Position of `needle` in buf[start, end), or -1; never looks past `end`. */
function indexWithin(buf: Buffer, needle: Buffer, start: number, end: number): number {
  if (needle.length === 1) {
    const byte = needle[0]
    for (let i = start; i < end; i++) if (buf[i] === byte) return i
    return -1
  }
  const at = buf.subarray(start, end).indexOf(needle)
  return at < 0 ? -1 : start + at
}

function parseHeaderFlags(pairs: string[], encoding: Encoding): Header[] {
  return pairs.map((pair) => {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new StromError('INVALID_ARGUMENT', `invalid header '${pair}': expected key=value`, {hint: 'for example -H source=web'})
    return {key: pair.slice(0, eq), value: decodeText(pair.slice(eq + 1), encoding, `header '${pair.slice(0, eq)}'`)}
  })
}

const strictUtf8 = new TextDecoder('utf-8', {fatal: true})
