/**
 * The transform of `strom process`: what turns a batch of input records into output records.
 *
 * - CommandTransform runs COMMAND once per batch of one input partition: the inputs go to its stdin
 *   (one value per line, or one NDJSON envelope per line with --json), stdin is closed, and
 *   everything it prints until it exits becomes that batch's outputs. A batch's outputs are thus
 *   exactly defined (no guessing which output belongs to which input in a stream), which is what
 *   lets the outputs and the input offsets commit in one transaction and a failed batch be run
 *   again from scratch. A non-zero exit or a signal fails the batch.
 * - ModuleTransform calls a JavaScript function `(record) => outputs` in this process.
 *
 * Outputs: with lines, each line is a record value (no key); with --json, each line is an
 * envelope {"key","value","headers","topic","partition"} (all optional but value/key), where
 * "topic" picks another destination.
 */
import {spawn} from 'node:child_process'
import {pathToFileURL} from 'node:url'
import path from 'node:path'
import {StromError} from '../core/errors.js'
import type {Header} from '../core/format/record-batch.js'

export interface InputRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: Buffer | null
  value: Buffer | null
  headers: Header[]
}

export interface OutputRecord {
  key: Buffer | null
  value: Buffer | null
  headers?: Header[]
  /** Another destination topic than --to. */
  topic?: string
  partition?: number
}

export interface Transform {
  /** The outputs of one batch of records from one input partition, in order. */
  run(batch: InputRecord[]): Promise<OutputRecord[]>
  /**
   * Present when the transform reads values only and prints values (a COMMAND in line mode): the
   * batch's values as stdin bytes ("value\n" each) in, its stdout out, one output value per line.
   */
  runLines?(stdin: Buffer): Promise<Buffer>
  close?(): Promise<void>
}

export function inputEnvelope(record: InputRecord): string {
  return JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp,
    key: record.key === null ? null : record.key.toString('utf8'),
    value: record.value === null ? null : record.value.toString('utf8'),
    headers: record.headers.map((h) => ({key: h.key, value: h.value === null ? null : Buffer.from(h.value).toString('utf8')})),
  })
}

/** Parses one output envelope line of COMMAND (--json). */
export function parseOutputEnvelope(line: string, where: string): OutputRecord {
  let parsed: unknown
  try {
    parsed = JSON.parse(line)
  } catch (error) {
    throw new StromError('INVALID_INPUT', `${where}: not a JSON object (${(error as Error).message}): ${line.slice(0, 80)}`, {
      hint: 'with --json, COMMAND prints one JSON object per line, e.g. {"key":"k","value":"v"} (optional: "headers", "topic", "partition")',
    })
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new StromError('INVALID_INPUT', `${where}: expected a JSON object: ${line.slice(0, 80)}`)
  return outputFromObject(parsed as Record<string, unknown>, where)
}

function bytesOf(value: unknown): Buffer | null {
  if (value === undefined || value === null) return null
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value)
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  return Buffer.from(JSON.stringify(value), 'utf8')
}

function outputFromObject(object: Record<string, unknown>, where: string): OutputRecord {
  const out: OutputRecord = {key: bytesOf(object.key), value: bytesOf(object.value)}
  if (object.topic !== undefined && object.topic !== null) {
    if (typeof object.topic !== 'string') throw new StromError('INVALID_INPUT', `${where}: "topic" must be a string`)
    out.topic = object.topic
  }
  if (object.partition !== undefined && object.partition !== null) {
    if (!Number.isInteger(object.partition) || (object.partition as number) < 0) throw new StromError('INVALID_INPUT', `${where}: "partition" must be a non-negative integer`)
    out.partition = object.partition as number
  }
  const headers = object.headers
  if (Array.isArray(headers)) {
    out.headers = headers.map((h: {key?: unknown; value?: unknown}) => {
      if (typeof h?.key !== 'string') throw new StromError('INVALID_INPUT', `${where}: header keys must be strings`)
      return {key: h.key, value: bytesOf(h.value)}
    })
  } else if (headers !== undefined && headers !== null && typeof headers === 'object') {
    out.headers = Object.entries(headers).map(([key, value]) => ({key, value: bytesOf(value)}))
  }
  return out
}

export class CommandTransform implements Transform {
  readonly runLines: ((stdin: Buffer) => Promise<Buffer>) | undefined

  constructor(private readonly command: string, private readonly args: string[], private readonly json: boolean) {
    this.runLines = json ? undefined : (stdin) => this.exec(stdin)
  }

  async run(batch: InputRecord[]): Promise<OutputRecord[]> {
    const lines = batch.map((r) => (this.json ? inputEnvelope(r) : r.value === null ? '' : r.value.toString('utf8')) + '\n')
    return this.outputs(await this.exec(Buffer.from(lines.join(''), 'utf8')))
  }

  /** Runs COMMAND with `stdin` as its input; its whole stdout once it exited 0. */
  private exec(stdin: Buffer): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.command, this.args, {stdio: ['pipe', 'pipe', 'inherit']})
      const chunks: Buffer[] = []
      let failed: Error | undefined
      child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
      child.on('error', (error: NodeJS.ErrnoException) => {
        failed = error.code === 'ENOENT'
          ? new StromError('INVALID_ARGUMENT', `cannot run '${this.command}': no such command`, {hint: 'give the command after --, e.g. strom process in --to out --group g -- jq -c .'})
          : error
      })
      // A command that exits without reading all its input (head, a crash) must not fail the write.
      child.stdin.on('error', () => undefined)
      child.on('close', (code, signal) => {
        if (failed !== undefined) return reject(failed)
        if (code !== 0) return reject(new CommandFailed(this.command, code, signal))
        resolve(Buffer.concat(chunks))
      })
      child.stdin.end(stdin)
    })
  }

  private outputs(stdout: Buffer): OutputRecord[] {
    if (stdout.length === 0) return []
    const text = stdout.toString('utf8')
    const lines = text.split('\n')
    if (lines[lines.length - 1] === '') lines.pop()
    return lines.map((line, i) => (this.json ? parseOutputEnvelope(line, `output line ${i + 1} of '${this.command}'`) : {key: null, value: Buffer.from(line, 'utf8')}))
  }
}

export class CommandFailed extends Error {
  constructor(readonly command: string, readonly code: number | null, readonly signal: NodeJS.Signals | null) {
    super(`'${command}' ${signal !== null ? `was killed by ${signal}` : `exited with status ${code}`}`)
  }
}

/** The record a --module function receives: keys, values and header values as UTF-8 strings (null stays null). */
export interface ModuleRecord {
  topic: string
  partition: number
  offset: number
  timestamp: number
  key: string | null
  value: string | null
  headers: Record<string, string | null>
}

export type ModuleOutput = string | {key?: unknown; value?: unknown; headers?: unknown; topic?: string; partition?: number} | null | undefined
export type ModuleFunction = (record: ModuleRecord) => ModuleOutput | ModuleOutput[] | Promise<ModuleOutput | ModuleOutput[]>

export class ModuleTransform implements Transform {
  constructor(private readonly fn: ModuleFunction, private readonly label: string) {}

  static async load(file: string): Promise<ModuleTransform> {
    const url = pathToFileURL(path.resolve(file)).href
    let loaded: {default?: unknown; transform?: unknown}
    try {
      loaded = (await import(url)) as {default?: unknown; transform?: unknown}
    } catch (error) {
      throw new StromError('INVALID_ARGUMENT', `cannot load module ${file}: ${(error as Error).message}`, {hint: 'give a JavaScript module (.mjs or .js) that exports a function: export default (record) => record.value'})
    }
    const fn = typeof loaded.default === 'function' ? loaded.default : loaded.transform
    if (typeof fn !== 'function') throw new StromError('INVALID_ARGUMENT', `module ${file} exports no function`, {hint: 'export default (record) => ... (or export function transform(record))'})
    return new ModuleTransform(fn as ModuleFunction, file)
  }

  async run(batch: InputRecord[]): Promise<OutputRecord[]> {
    const outputs: OutputRecord[] = []
    for (const record of batch) {
      const result = await this.fn({
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        key: record.key === null ? null : record.key.toString('utf8'),
        value: record.value === null ? null : record.value.toString('utf8'),
        headers: Object.fromEntries(record.headers.map((h) => [h.key, h.value === null ? null : Buffer.from(h.value).toString('utf8')])),
      })
      for (const item of Array.isArray(result) ? result : [result]) {
        if (item === null || item === undefined) continue
        if (typeof item === 'string') outputs.push({key: null, value: Buffer.from(item, 'utf8')})
        else if (typeof item === 'object') outputs.push(outputFromObject(item as Record<string, unknown>, `a result of ${this.label}`))
        else outputs.push({key: null, value: Buffer.from(String(item), 'utf8')})
      }
    }
    return outputs
  }
}
