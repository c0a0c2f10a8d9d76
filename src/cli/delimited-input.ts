/**
 * Reading delimited messages from stdin into a producer (the `produce` hot path): chunks are split
 * in place into messages, and pending batches are appended when the input pauses.
 *
 * "Pauses" means: after a chunk, no more input turned up by the next turn of the event loop. A
 * chunk is processed in the poll phase that read it, so a flush check queued with setImmediate
 * runs after libuv has looked for more input once more; when a producer upstream (`cat file |`)
 * keeps the pipe full, the next chunk has been read by then and batches keep filling up to the
 * batch size, while a line typed or tailed (`tail -F log |`) is appended within microseconds.
 */
import fs from 'node:fs'
import {DelimitedSplitter} from './line-splitter.js'
import {Progress} from './progress.js'

export interface Flushable {
  flush(): unknown
  /** Told each chunk before its messages are sent: the chunk is not changed afterwards. */
  useImmutableSource?(chunk: Buffer | undefined): void
}

export type MessageHandler = (buf: Buffer, start: number, end: number, timestamp: number) => void

export interface DelimitedInputOptions {
  delimiter: Buffer
  send: MessageHandler
  producer: Flushable
  /** Wait this long for more input before appending a partial batch (0: append when the input pauses). */
  lingerMs: number
  interrupted: () => boolean
  input?: NodeJS.ReadStream
}

export async function readDelimitedStdin(options: DelimitedInputOptions): Promise<void> {
  const {delimiter, send, producer, lingerMs, interrupted} = options
  // process.stdin copes with non-blocking pipes (a plain fs stream on fd 0 fails with EAGAIN).
  const input = options.input ?? process.stdin
  if (input.isTTY) process.stderr.write('reading messages from the terminal, one per line; Ctrl-D to finish\n')
  const splitter = new DelimitedSplitter(delimiter)
  // stdin redirected from a large file: its size makes a progress bar possible (stderr TTY only).
  const stdinStat = fs.fstatSync(0)
  const progress = stdinStat.isFile() && stdinStat.size > 16 * 1024 * 1024 ? new Progress('produce', stdinStat.size, 'B') : undefined
  let lingerTimer: NodeJS.Timeout | undefined
  let pauseCheck: NodeJS.Immediate | undefined
  let chunks = 0
  let failure: unknown
  const flushOrFail = () => {
    try {
      producer.flush()
    } catch (error) {
      failure = error
      input.destroy()
    }
  }
  // Runs once per turn of the event loop while chunks keep arriving; flushes after a turn without one.
  const checkPause = (seen: number) => {
    pauseCheck = chunks === seen ? undefined : setImmediate(checkPause, chunks)
    if (pauseCheck === undefined) flushOrFail()
  }
  let now = 0
  const onMessage = (buf: Buffer, start: number, end: number) => send(buf, start, end, now)
  try {
    for await (const chunk of input) {
      if (interrupted()) break
      chunks++
      now = Date.now()
      producer.useImmutableSource?.(chunk as Buffer)
      splitter.push(chunk as Buffer, onMessage)
      progress?.advance((chunk as Buffer).length)
      // Append when the input pauses: while more input is already buffered, keep filling batches.
      if (lingerMs <= 0) {
        if (input.readableLength === 0 && pauseCheck === undefined) pauseCheck = setImmediate(checkPause, chunks)
      } else if (lingerTimer === undefined) {
        lingerTimer = setTimeout(() => {
          lingerTimer = undefined
          flushOrFail()
        }, lingerMs)
      }
      if (failure !== undefined) throw failure
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (!interrupted() || (code !== 'ERR_STREAM_PREMATURE_CLOSE' && code !== 'EBADF')) throw error
  } finally {
    if (lingerTimer !== undefined) clearTimeout(lingerTimer)
    if (pauseCheck !== undefined) clearImmediate(pauseCheck)
    producer.useImmutableSource?.(undefined)
    progress?.finish()
  }
  if (failure !== undefined) throw failure
  now = Date.now()
  splitter.end(onMessage)
}
