/**
 * Runs the dashboard on the terminal: the alternate screen (so quitting gives the shell its screen
 * back as it was), the theme for this terminal, ink's render, and a stop() for signals.
 */
import {render} from 'ink'
import React from 'react'
import type {StatsSource} from '../../core/stats/snapshot.js'
import {defaultTheme, ThemeContext} from '../theme.js'
import {TopApp} from './TopApp.js'

const ENTER_ALTERNATE_SCREEN = '\u001B[?1049h'
const LEAVE_ALTERNATE_SCREEN = '\u001B[?1049l'

export interface RunningTop {
  /** Resolves once the dashboard has quit and the terminal is restored. */
  done: Promise<void>
  /** Quits from outside (SIGTERM). */
  stop(): void
}

export function runTop(source: StatsSource, intervalMs: number, stdout: NodeJS.WriteStream = process.stdout, stdin: NodeJS.ReadStream = process.stdin): RunningTop {
  stdout.write(ENTER_ALTERNATE_SCREEN)
  let restored = false
  const restore = () => {
    if (restored) return
    restored = true
    stdout.write(LEAVE_ALTERNATE_SCREEN)
  }
  // Even if something throws past ink, the shell must not be left on the alternate screen.
  process.once('exit', restore)
  const app = render(
    <ThemeContext.Provider value={defaultTheme()}>
      <TopApp source={source} intervalMs={intervalMs} />
    </ThemeContext.Provider>,
    {stdout, stdin, exitOnCtrlC: false, patchConsole: false},
  )
  const done = app.waitUntilExit().then(
    () => restore(),
    (error: unknown) => {
      restore()
      throw error
    },
  )
  return {done, stop: () => app.unmount()}
}
