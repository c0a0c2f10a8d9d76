/**
 * Semantic colours for the dashboard, through chalk. Whether there is colour is decided by
 * colorLevel (src/cli/color.ts), as for every writer. Components ask for a role
 * (`theme.alert(text)`), never a colour name.
 */
import {Chalk} from 'chalk'
import {createContext, useContext} from 'react'
import {colorLevel} from '../cli/color.js'

export interface Theme {
  readonly color: boolean
  /** The title line. */
  title(text: string): string
  /** Table headers and pane names. */
  header(text: string): string
  /** The row under the cursor (without colour the › marker alone shows it). */
  selected(text: string): string
  /** Help line, empty-state notes, secondary cells such as keys. */
  dim(text: string): string
  /** A group whose lag keeps growing. */
  alert(text: string): string
  /** Rates and sparklines. */
  rate(text: string): string
}

export function createTheme(level: 0 | 1 | 2 | 3): Theme {
  const c = new Chalk({level})
  return {
    color: level > 0,
    title: (text) => c.bold.cyan(text),
    header: (text) => c.bold(text),
    selected: (text) => c.inverse(text),
    dim: (text) => c.dim(text),
    alert: (text) => c.red(text),
    rate: (text) => c.yellow(text),
  }
}

/** The theme for this process: the dashboard draws on stdout. */
export function defaultTheme(): Theme {
  return createTheme(colorLevel(process.stdout))
}

export const ThemeContext = createContext<Theme>(createTheme(0))

export function useTheme(): Theme {
  return useContext(ThemeContext)
}
