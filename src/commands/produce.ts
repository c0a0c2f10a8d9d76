import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../cli/base-command.js'
import {ENCODINGS, Encoding, decodeText, unescapeDelimiter} from '../cli/encoding.js'
import {parseEnvelope} from '../cli/envelope.js'
import {MessageHandler, RunHandler, readDelimitedStdin} from '../cli/delimited-input.js'
import {StromError} from '../core/errors.js'
import {CODEC_NAMES, CodecName} from '../core/format/compression.js'
import type {Header} from '../core/format/record-batch.js'
import type {RecordSink} from '../backends/backend.js'
import {PARTITIONERS, PartitionerName} from '../core/topic/partitioner.js'

export default class Produce extends StromCommand {
  static summary = 'Append messages to a topic, from stdin or the arguments.'
  static description = `One message per line by default. Keyed messages go to the partition Kafka's default partitioner would pick (murmur2), so the same key lands in the same partition number as on a Kafka cluster. A batch is acknowledged once written to the OS; --sync also fsyncs it. Batches are compressed with --compression's codec; without it, on a log directory, with the topic's compression.type (\`producer\`, the default, leaves them uncompressed).`
  static examples = [
    {description: 'Ship a log file as it grows', command: 'tail -F app.log | <%= config.bin %> produce logs --create'},
    {description: 'Keyed messages, key and value split at the first ":"', command: 'printf "user1:login\\nuser2:logout\\n" | <%= config.bin %> produce events -K:'},
    {description: 'Messages from the arguments, with a header', command: '<%= config.bin %> produce events "hello" "world" -H source=cli'},
    {description: 'Round-trip from another topic through jq', command: '<%= config.bin %> consume a --json | jq -c ".value |= ascii_upcase" | <%= config.bin %> produce b --json'},
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
    json: Flags.boolean({description: 'read NDJSON envelopes {key, value, headers, partition, timestamp} (what consume --json prints)'}),
    header: Flags.string({char: 'H', description: 'add a header key=value to every message (repeatable)', multiple: true}),
    partition: Flags.integer({char: 'p', description: 'send every message to this partition'}),
    partitioner: Flags.string({description: 'partition choice for unkeyed messages', options: [...PARTITIONERS], default: 'sticky'}),
    'value-encoding': Flags.string({description: 'how values (and header values) are written in the input', options: [...ENCODINGS], default: 'utf8'}),
    'key-encoding': Flags.string({description: 'how keys are written in the input', options: [...ENCODINGS], default: 'utf8'}),
    'null-empty': Flags.boolean({char: 'Z', description: 'send an empty key or value as null (a tombstone on compacted topics)'}),
    sync: Flags.boolean({description: 'fsync each batch before it counts as written'}),
    compression: Flags.string({description: "compress each batch with this codec (default: on a log directory the topic's compression.type, `producer` meaning none; on Kafka none)", options: [...CODEC_NAMES]}),
    acks: Flags.string({description: 'with --bootstrap-server: acknowledgement by all in-sync replicas (all, -1), the leader (1) or none (0); default all', options: ['all', '-1', '1', '0']}),
    create: Flags.boolean({description: 'create the topic if it does not exist'}),
    partitions: Flags.integer({description: 'partitions for a topic made by --create', default: 1}),
    'batch-size': Flags.integer({description: 'largest batch in bytes (capped by the topic\'s max.message.bytes)', default: 256 * 1024}),
    'linger-ms': Flags.integer({description: 'wait this long for more input before appending a partial batch', default: 0}),
    verbose: Flags.boolean({char: 'v', description: 'print a summary (messages, bytes, rate) to stderr at the end'}),
  }

  async run(): Promise<void> {
    const {args, argv, flags} = await this.parse(Produce)
    const backend = await this.openBackend(flags)
    const producer = await backend.openSink(args.topic, {
      partitioner: flags.partitioner as PartitionerName,
      sync: flags.sync,
      batchBytes: flags['batch-size'],
      createPartitions: flags.create ? flags.partitions : undefined,
      compression: flags.compression as CodecName | undefined,
      acks: flags.acks === undefined || flags.acks === 'all' ? -1 : (Number(flags.acks) as -1 | 0 | 1),
    })
    if (flags.partition !== undefined) producer.checkPartition(flags.partition)
    const encodings = {key: flags['key-encoding'] as Encoding, value: flags['value-encoding'] as Encoding}
    const headers = parseHeaderFlags(flags.header ?? [], encodings.value)
    const keyDelimiter = flags['key-delimiter'] === undefined ? undefined : unescapeDelimiter(flags['key-delimiter'])
    const nullEmpty = flags['null-empty']
    const started = process.hrtime.bigint()
    let line = 0

    const sendRaw = (buf: Buffer, start: number, end: number, timestamp: number) => {
      line++
      if (flags.json) {
        if (end === start) return
        // Invalid UTF-8 would silently become U+FFFD: refuse it (binary data belongs in base64/hex).
        let text: string
        try {
          text = strictUtf8.decode(buf.subarray(start, end))
        } catch {
          throw new StromError('INVALID_INPUT', `input line ${line}: not valid UTF-8`, {hint: 'NDJSON is UTF-8 text; carry binary keys and values as base64 or hex (--key-encoding, --value-encoding)'})
        }
        const envelope = parseEnvelope(text, `input line ${line}`, encodings)
        const allHeaders = headers.length === 0 ? envelope.headers : [...envelope.headers, ...headers]
        producer.sendBytes(envelope.key, envelope.value, envelope.timestamp ?? timestamp, allHeaders, envelope.partition ?? flags.partition)
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

    try {
      const messages = argv.slice(1) as string[]
      if (messages.length > 0) {
        const now = Date.now()
        for (const message of messages) {
          const bytes = Buffer.from(message)
          send(bytes, 0, bytes.length, now)
        }
      } else {
        await this.readStdin(delimiter, send, sendRun, producer, flags['linger-ms'], () => interrupted)
      }
    } finally {
      // Whatever was read before an error or an interrupt is appended: nothing read is dropped silently.
      await producer.close()
    }
    this.summarize(producer, started, flags.verbose)
  }

  private async readStdin(
    delimiter: Buffer,
    send: MessageHandler,
    sendRun: RunHandler | undefined,
    producer: RecordSink,
    lingerMs: number,
    interrupted: () => boolean,
  ): Promise<void> {
    // The hot path lives in src/cli/delimited-input.ts.
    await readDelimitedStdin({delimiter, send, sendRun, producer, lingerMs, interrupted})
  }

  private summarize(producer: RecordSink, started: bigint, verbose: boolean): void {
    if (!verbose && !process.stderr.isTTY) return
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    const {messages, bytes, batches} = producer.stats
    const rate = seconds > 0 ? Math.round(messages / seconds) : messages
    process.stderr.write(`produced ${messages} messages (${bytes} bytes, ${batches} batches) to ${producer.topicName} in ${seconds.toFixed(3)}s, ${rate} msg/s\n`)
  }
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
