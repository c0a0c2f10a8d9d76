/**
 * Whether output to a stream gets colour: only on a TTY and never with NO_COLOR. A module of its
 * own so that commands asking it (consume, on every start) do not load the table renderer and its
 * packages (cli-table3, chalk: ~20 ms) when all they print is raw values into a pipe.
 */
export function useColor(stream: NodeJS.WriteStream = process.stdout): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '')
}
