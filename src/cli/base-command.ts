/**
 * The base of every strom command: the shared --dir flag, opening the log directory, the mapping
 * of StromError to a clean message and exit code (no stack trace for anything a user can cause),
 * and a clean stop on SIGINT/SIGTERM.
 */
import {Command, Errors, Flags} from '@oclif/core'
import {Log, openLog} from '../core/log.js'
import {StromError, isStromError} from '../core/errors.js'
import {EXIT, exitCodeForKind} from './exit-codes.js'

export abstract class StromCommand extends Command {
  static baseFlags = {
    dir: Flags.string({
      description: 'log directory (default: $STROM_DIR, else $XDG_DATA_HOME/strom, i.e. ~/.local/share/strom)',
      helpGroup: 'GLOBAL',
    }),
  }

  private interruptHandlers: Array<(signal: NodeJS.Signals) => void> = []
  private signalsInstalled = false

  protected openLog(dir: string | undefined): Log {
    return openLog({dir, onWarning: (message) => process.stderr.write(`warning: ${message}\n`)})
  }

  /**
   * Runs `handler` on SIGINT/SIGTERM instead of dying, so the command can finish what it holds
   * (flush a batch, close output). The exit code becomes 130/143.
   */
  protected onInterrupt(handler: (signal: NodeJS.Signals) => void): void {
    this.interruptHandlers.push(handler)
    if (this.signalsInstalled) return
    this.signalsInstalled = true
    const onSignal = (signal: NodeJS.Signals) => {
      process.exitCode = signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm
      for (const h of this.interruptHandlers) h(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    if (isStromError(error)) return super.catch(toCliError(error))
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EPIPE') {
      process.exitCode = EXIT.ok
      return
    }
    if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS' || code === 'EMFILE' || code === 'EIO') {
      return super.catch(new Errors.CLIError(`${error.message}`, {exit: EXIT.runtime, code}))
    }
    // oclif's own parse errors carry exit code 2 already.
    return super.catch(error)
  }
}

export function toCliError(error: StromError): Errors.CLIError {
  return new Errors.CLIError(error.message, {
    exit: exitCodeForKind(error.kind),
    code: error.code,
    suggestions: error.hint === undefined ? undefined : [error.hint],
  })
}
