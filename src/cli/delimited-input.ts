/**
 * Reading delimited messages from stdin into a producer (the `produce` hot path): chunks are split
 * in place into messages, and pending batches are appended when the input pauses.
 *
 * Reading. A regular file is read with plain synchronous reads of 1 MiB. A pipe or a socket is
 * read synchronously too for as long as data is there (process.stdin puts the descriptor in
 * non-blocking mode, so an empty pipe answers EAGAIN instead of blocking): a read(2) per 64 KiB
 * costs a fraction of what a stream chunk does (an epoll round, a new Buffer, stream bookkeeping
 * and promise hops). Only when the pipe is empty does the loop wait, through process.stdin. Order
 * is kept because a direct read only happens when the stream's buffer is empty, and the stream
 * reads only while the loop waits for it.
 *
 * Pauses. After the input ran dry, a flush check is queued with setImmediate; it runs after
 * libuv has looked for more input once more, and appends the pending batches only if nothing
 * came. When a producer upstream (`cat file |`) keeps the pipe full, batches keep filling up to
 * the batch size, while a line typed or tailed (`tail -F log |`) is appended within microseconds.
 * (Other kinds of stdin, a terminal for one, are read through process.stdin only.)
 */
import fs from 'node:fs'
import {DelimitedSplitter, SplitterLimit} from './line-splitter.js'
import {Progress} from './progress.js'

export interface Flushable {
  /** A network sink's flush settles later: its failure is reported at the next chunk or at the end. */
  flush(): void | Promise<void>
  /** When too much is unacknowledged (a network sink): a promise to wait on before reading more. */
  drain?(): Promise<void> | undefined
  /** Told each chunk before its messages are sent: the chunk is not changed afterwards. */
  useImmutableSource?(chunk: Buffer | undefined): void
  /** Memory to read the input into (the log directory's batches live next to it, see ByteArena). */
  inputBuffer?(bytes: number): Buffer | undefined
}

export type MessageHandler = (buf: Buffer, start: number, end: number, timestamp: number) => void
/** Several whole messages: buf[start, end), each followed by the (one-byte) delimiter. */
export type RunHandler = (buf: Buffer, start: number, end: number, timestamp: number) => void

export interface DelimitedInputOptions {
  delimiter: Buffer
  send: MessageHandler
  /** Takes each chunk's complete messages at once (one-byte delimiters); else `send` takes each one. */
  sendRun?: RunHandler
  producer: Flushable
  /** Wait this long for more input before appending a partial batch (0: append when the input pauses). */
  lingerMs: number
  interrupted: () => boolean
  /** Read this stream instead of stdin (no direct reads then). */
  input?: NodeJS.ReadStream
  /** Refuse a message as soon as it passes this length (before the rest of it is read). */
  limit?: SplitterLimit
}

const FILE_READ_BYTES = 1024 * 1024
const PIPE_READ_BYTES = 256 * 1024
// Direct reads go into one arena, each chunk a fresh view of it; a chunk's bytes are reused only
// several chunks later, when nothing refers to them any more (messages are copied into batches).
// The sink may provide that memory (the log directory's Producer does: its batches are in the same
// ArrayBuffer, so values move into them with copyWithin).
const ARENA_BYTES = 4 * FILE_READ_BYTES

export async function readDelimitedStdin(options: DelimitedInputOptions): Promise<void> {
  const {delimiter, send, sendRun, producer, lingerMs, interrupted} = options
  // process.stdin copes with non-blocking pipes (a plain fs stream on fd 0 fails with EAGAIN).
  const input = options.input ?? process.stdin
  if (input.isTTY) process.stderr.write('reading messages from the terminal, one per line; Ctrl-D to finish\n')
  const splitter = new DelimitedSplitter(delimiter, options.limit)
  // stdin redirected from a large file: its size makes a progress bar possible (stderr TTY only).
  const stdinStat = fs.fstatSync(0)
  const progress = stdinStat.isFile() && stdinStat.size > 16 * 1024 * 1024 ? new Progress('produce', stdinStat.size, 'B') : undefined
  const direct = options.input === undefined && !input.isTTY ? (stdinStat.isFile() ? 'file' : stdinStat.isFIFO() || stdinStat.isSocket() ? 'pipe' : undefined) : undefined
  let lingerTimer: NodeJS.Timeout | undefined
  let pauseCheck: NodeJS.Immediate | undefined
  let chunks = 0
  let failure: unknown
  const fail = (error: unknown) => {
    failure ??= error
    input.destroy()
  }
  const flushOrFail = () => {
    try {
      const flushed = producer.flush()
      if (flushed !== undefined) flushed.catch(fail)
    } catch (error) {
      fail(error)
    }
  }
  /** Waits while a network sink has too much in flight (a log directory's sink never asks to). */
  const backpressure = async () => {
    const backlog = producer.drain?.()
    if (backlog !== undefined) await backlog
  }
  // Runs once per turn of the event loop while chunks keep arriving; flushes after a turn without one.
  const checkPause = (seen: number) => {
    pauseCheck = chunks === seen ? undefined : setImmediate(checkPause, chunks)
    if (pauseCheck === undefined) flushOrFail()
  }
  let now = 0
  const onMessage = (buf: Buffer, start: number, end: number) => send(buf, start, end, now)
  const runs = sendRun !== undefined && delimiter.length === 1
  const onRun = (buf: Buffer, start: number, end: number) => sendRun!(buf, start, end, now)
  const take = (chunk: Buffer) => {
    chunks++
    now = Date.now()
    producer.useImmutableSource?.(chunk)
    if (runs) splitter.pushRun(chunk, onMessage, onRun)
    else splitter.push(chunk, onMessage)
    progress?.advance(chunk.length)
  }

  let arena: Buffer | undefined
  let arenaAt = 0
  /** Reads what is there now: a chunk, null at the end of the input, undefined when a pipe is empty. */
  const readDirect = (limit: number): Buffer | null | undefined => {
    if (arena === undefined || arenaAt + limit > arena.length) {
      arena ??= producer.inputBuffer?.(ARENA_BYTES) ?? Buffer.allocUnsafe(ARENA_BYTES)
      arenaAt = 0
    }
    for (;;) {
      try {
        const n = fs.readSync(0, arena, arenaAt, limit, null)
        if (n === 0) return null
        const chunk = arena.subarray(arenaAt, arenaAt + n)
        arenaAt += n
        return chunk
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return undefined
        if (code !== 'EINTR') throw error
      }
    }
  }

  let ended = false
  try {
    if (direct === 'file') {
      while (!interrupted()) {
        const chunk = readDirect(FILE_READ_BYTES)
        if (chunk === null || chunk === undefined) break
        take(chunk)
        if (failure !== undefined) throw failure
        await backpressure()
      }
    } else {
      const stream = input[Symbol.asyncIterator]() as AsyncIterator<Buffer>
      try {
        while (!interrupted()) {
          // Whatever a pipe holds right now, read directly (only when the stream holds nothing,
          // which keeps the order of the bytes).
          while (direct === 'pipe' && input.readableLength === 0 && !interrupted()) {
            const chunk = readDirect(PIPE_READ_BYTES)
            if (chunk === undefined) break
            if (chunk === null) {
              ended = true
              break
            }
            take(chunk)
            if (failure !== undefined) throw failure
            await backpressure()
          }
          if (ended || interrupted()) break
          // Append when the input pauses: while more input is already buffered, keep filling batches.
          if (chunks > 0) {
            if (lingerMs <= 0) {
              if (input.readableLength === 0 && pauseCheck === undefined) pauseCheck = setImmediate(checkPause, chunks)
            } else if (lingerTimer === undefined) {
              lingerTimer = setTimeout(() => {
                lingerTimer = undefined
                flushOrFail()
              }, lingerMs)
            }
          }
          const next = await stream.next()
          if (failure !== undefined) throw failure
          if (next.done === true || interrupted()) break
          take(next.value)
          if (failure !== undefined) throw failure
          await backpressure()
        }
      } finally {
        // Ends the stream's reading when the input ended by a direct read (or we stop early).
        await stream.return?.()
      }
    }
  } catch (error) {
    // A failed append destroys the input to stop the read: report the append's error.
    if (failure !== undefined) throw failure
    const code = (error as NodeJS.ErrnoException).code
    if (!interrupted() || (code !== 'ERR_STREAM_PREMATURE_CLOSE' && code !== 'EBADF')) throw error
  } finally {
    if (lingerTimer !== undefined) clearTimeout(lingerTimer)
    if (pauseCheck !== undefined) clearImmediate(pauseCheck)
    producer.useImmutableSource?.(undefined)
    progress?.finish()
  }
  if (failure !== undefined) throw failure
  if (interrupted()) {
    // Stopped by a signal, not at the end of the input: a line read half-way is not a message
    // (at a real EOF, a last line without a delimiter is one).
    if (splitter.pendingBytes > 0) process.stderr.write(`interrupted in the middle of a message: its first ${splitter.pendingBytes} bytes were read but not written\n`)
    splitter.discard()
    return
  }
  now = Date.now()
  splitter.end(onMessage)
}
