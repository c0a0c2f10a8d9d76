/**
 * Renders an ink tree on a fake terminal of a given size (ink-testing-library's stdout is fixed at
 * 100 columns), records every frame, and lets a test type keys and resize the terminal.
 */
import {EventEmitter} from 'node:events'
import {render, type Instance} from 'ink'
import type React from 'react'

class FakeStdout extends EventEmitter {
  readonly isTTY = true
  frames: string[] = []
  constructor(public columns: number, public rows: number) {
    super()
  }
  write = (frame: string): boolean => {
    this.frames.push(frame)
    return true
  }
}

class FakeStdin extends EventEmitter {
  readonly isTTY = true
  private data: string | null = null
  write = (data: string): void => {
    this.data = data
    this.emit('readable')
  }
  read = (): string | null => {
    const data = this.data
    this.data = null
    return data
  }
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export const KEYS = {up: '\u001B[A', down: '\u001B[B', enter: '\r', escape: '\u001B', tab: '\t', backspace: '\u007F', ctrlC: '\u0003'}

export interface Rendered {
  instance: Instance
  stdout: FakeStdout
  lastFrame(): string
  /** Types `data` and waits until a frame satisfies `until` (or just for the next frame). */
  press(data: string, until?: (frame: string) => boolean): Promise<string>
  waitForFrame(until: (frame: string) => boolean, timeoutMs?: number): Promise<string>
  resize(columns: number, rows: number): void
}

export function renderAt(tree: React.ReactElement, size: {columns: number; rows: number}): Rendered {
  const stdout = new FakeStdout(size.columns, size.rows)
  const stdin = new FakeStdin()
  const instance = render(tree, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    stderr: new FakeStdout(size.columns, size.rows) as unknown as NodeJS.WriteStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  })
  const lastFrame = () => stdout.frames.at(-1) ?? ''
  const waitForFrame = async (until: (frame: string) => boolean, timeoutMs = 3000): Promise<string> => {
    const deadline = Date.now() + timeoutMs
    while (!until(lastFrame())) {
      if (Date.now() > deadline) throw new Error(`no frame matched within ${timeoutMs} ms; the last one:\n${lastFrame()}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    return lastFrame()
  }
  return {
    instance,
    stdout,
    lastFrame,
    waitForFrame,
    async press(data, until) {
      const before = stdout.frames.length
      stdin.write(data)
      return waitForFrame((frame) => (until === undefined ? stdout.frames.length > before : until(frame)))
    },
    resize(columns, rows) {
      stdout.columns = columns
      stdout.rows = rows
      stdout.emit('resize')
    },
  }
}
