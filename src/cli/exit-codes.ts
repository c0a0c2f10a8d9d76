/**
 * The exit-code contract, the same for every command (copied into docs/commands.md, "Exit codes", and tested):
 *   0    success (also: stdout closed early by the reader, as in `strom consume t | head`)
 *   1    runtime failure (I/O error, corrupt data, bad input data, record too large)
 *   2    usage error (unknown flag, bad offset, invalid name or config, missing argument)
 *   3    not found (unknown topic or partition, a missing log directory for a command that only reads)
 *   130  interrupted by SIGINT (Ctrl-C), after a clean stop: everything read so far is written
 *   143  terminated by SIGTERM, after the same clean stop
 */
import type {StromErrorKind} from '../core/errors.js'

export const EXIT = {
  ok: 0,
  runtime: 1,
  usage: 2,
  notFound: 3,
  sigint: 130,
  sigterm: 143,
} as const

export function exitCodeForKind(kind: StromErrorKind): number {
  switch (kind) {
    case 'usage':
      return EXIT.usage
    case 'not-found':
      return EXIT.notFound
    case 'runtime':
      return EXIT.runtime
  }
}
