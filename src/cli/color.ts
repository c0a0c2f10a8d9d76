/**
 * The one place that decides whether, and how much, colour a stream gets; every writer (consume's
 * pretty output, tables, the dashboard) asks here and configures its chalk instance from the answer.
 * A module of its own so that commands asking it (consume, on every start) do not load the table
 * renderer and its packages (cli-table3, chalk: ~20 ms) when all they print is raw values into a pipe.
 *
 * Rules, in order: NO_COLOR (non-empty) means none; FORCE_COLOR decides when set, also into a
 * pipe or file ('0' or 'false': none, '2'/'3': 256 colours/truecolor, anything else: 16 colours);
 * otherwise only a terminal gets colour, as much as it has (stream.hasColors/getColorDepth, which
 * read TERM, so TERM=dumb gets none).
 */
export type ColorLevel = 0 | 1 | 2 | 3

export interface ColorStream {
  isTTY?: boolean
  hasColors?(count?: number, env?: object): boolean
  getColorDepth?(env?: object): number
}

export function colorLevel(stream: ColorStream = process.stdout, env: NodeJS.ProcessEnv = process.env): ColorLevel {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  const force = env.FORCE_COLOR
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0
    return force === '2' ? 2 : force === '3' ? 3 : 1
  }
  if (!stream.isTTY || stream.hasColors === undefined || stream.getColorDepth === undefined) return 0
  if (env.TERM === 'dumb' || !stream.hasColors(16, env)) return 0
  const depth = stream.getColorDepth(env)
  return depth >= 24 ? 3 : depth >= 8 ? 2 : 1
}

export function useColor(stream: ColorStream = process.stdout, env: NodeJS.ProcessEnv = process.env): boolean {
  return colorLevel(stream, env) > 0
}
