/**
 * `strom --bootstrap-server HOST:PORT topic list` (kcat and rpk put connection flags first): oclif
 * reads the first word as the command, so the launcher moves leading global flags, with their
 * values, behind the command words. Only these flags are moved; anything else leading stays put
 * (`strom --help`, `strom --version`).
 */
const GLOBAL_FLAGS = new Set(['--dir', '--bootstrap-server', '--profile'])

export function moveLeadingGlobalFlags(argv: string[]): string[] {
  const moved: string[] = []
  let i = 0
  while (i < argv.length) {
    const arg = argv[i]
    const name = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg
    if (!GLOBAL_FLAGS.has(name)) break
    if (arg.includes('=')) {
      moved.push(arg)
      i += 1
    } else {
      if (i + 1 >= argv.length) break
      moved.push(arg, argv[i + 1])
      i += 2
    }
  }
  if (moved.length === 0 || i >= argv.length) return argv
  const rest = argv.slice(i)
  // Before a `--`, whatever follows it is data (produce's messages).
  const end = rest.indexOf('--')
  return end < 0 ? [...rest, ...moved] : [...rest.slice(0, end), ...moved, ...rest.slice(end)]
}
