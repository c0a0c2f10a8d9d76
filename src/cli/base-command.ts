/**
 * The base of every strom command: the shared --dir flag, opening the log directory, the mapping
 * of StromError to a clean message and exit code (no stack trace for anything a user can cause),
 * and a clean stop on SIGINT/SIGTERM.
 */
import {Command, Errors, Flags} from '@oclif/core'
import type {Interfaces} from '@oclif/core'
import path from 'node:path'
import type {MaintenanceLauncher} from '../core/maintenance/scheduler.js'
import type {Backend} from '../backends/backend.js'
import {openBackend} from '../backends/open-backend.js'
import {BackendTarget, TargetFlags, resolveTarget} from '../backends/target.js'
import {Log, openLog} from '../core/log.js'
import {StromError, isStromError} from '../core/errors.js'
import {EXIT, exitCodeForKind} from './exit-codes.js'
import {UsageError, fromParseError, printUsageError} from './usage-error.js'
import {backgroundCleaner} from './background-cleaner.js'

export abstract class StromCommand extends Command {
  static baseFlags = {
    dir: Flags.string({
      description: 'log directory (default: $STROM_DIR, else $XDG_DATA_HOME/strom, i.e. ~/.local/share/strom)',
      helpGroup: 'GLOBAL',
    }),
    'bootstrap-server': Flags.string({
      description: 'speak to this Kafka cluster instead of a log directory: HOST:PORT[,HOST:PORT...] (default: $STROM_BOOTSTRAP_SERVERS)',
      helpGroup: 'GLOBAL',
    }),
    profile: Flags.string({
      description: 'a named backend from the config file ($STROM_CONFIG, else ~/.config/strom/config.json; default: $STROM_PROFILE)',
      helpGroup: 'GLOBAL',
    }),
  }

  private interruptHandlers: Array<(signal: NodeJS.Signals) => void> = []
  private signalsInstalled = false

  /**
   * The backend the flags (or the environment, or a profile) choose: a log directory or Kafka.
   * `write`: the command writes, so a log directory that does not exist yet is created (and said
   * so on stderr); a command that only reads fails instead, naming the path (exit 3).
   */
  protected async openBackend(flags: TargetFlags, options: {write?: boolean} = {}): Promise<Backend> {
    const target = resolveTarget(flags)
    const backend = await withLogDirHint(target, () => openBackend(target, warn, {...logDirOptions(options), maintenance: this.maintenanceLauncher()}))
    this.backends.push(backend)
    return backend
  }

  /** A log directory, for the commands that only make sense on one (log maintenance, serve, ingest, bench). */
  protected openLog(flags: TargetFlags, options: {write?: boolean} = {}): Log {
    const target = resolveTarget(flags)
    if (target.kind !== 'dir') {
      throw new StromError('UNSUPPORTED', `\`strom ${(this.id ?? 'this command').replaceAll(':', ' ')}\` works on a log directory only, not on a Kafka cluster`, {
        hint: 'drop --bootstrap-server (and unset STROM_BOOTSTRAP_SERVERS / STROM_PROFILE), or give --dir PATH',
      })
    }
    return withLogDirHint(target, () => openLog({dir: target.dir, onWarning: warn, ...logDirOptions(options), maintenance: this.maintenanceLauncher()}))
  }

  private launcher: MaintenanceLauncher | undefined

  /** Retention and compaction after a roll run on a maintenance thread (then a detached `strom log clean`), never in the append. */
  protected maintenanceLauncher(): MaintenanceLauncher {
    this.launcher ??= backgroundCleaner(path.join(this.config.root, 'bin', 'run.js'), path.join(this.config.root, 'dist', 'core', 'maintenance', 'maintenance-worker.js'))
    return this.launcher
  }

  private readonly backends: Backend[] = []

  protected override async finally(error: Error | undefined): Promise<unknown> {
    const network = this.backends.some((backend) => backend.kind !== 'dir')
    for (const backend of this.backends.splice(0)) await backend.close().catch(() => undefined)
    // A Kafka client library may keep a socket or timer open after it was told to disconnect: the
    // command is done, so the process ends anyway, soon (an unref'd timer keeps nothing alive).
    if (network) setTimeout(() => process.exit(), 2000).unref()
    const result = await super.finally(error)
    // Output dropped at a stop: stdout's pending writes would hold the process until read.
    if (this.exitWhenDone && error === undefined) process.exit()
    return result
  }

  /** Set when the command gave up on its output (see RecordOutput.abort): exit once done. */
  protected exitWhenDone = false

  /**
   * Runs `handler` on SIGINT/SIGTERM instead of dying, so the command can finish what it holds
   * (flush a batch, close output). The exit code becomes 130/143. Whatever the command waits on
   * (a downstream that never reads, a peer that never answers), the process ends within
   * STOP_DEADLINE_MS of the first signal, and at once on a second one.
   */
  protected onInterrupt(handler: (signal: NodeJS.Signals) => void): void {
    this.interruptHandlers.push(handler)
    if (this.signalsInstalled) return
    this.signalsInstalled = true
    let signalled = false
    const onSignal = (signal: NodeJS.Signals) => {
      const code = signal === 'SIGINT' ? EXIT.sigint : EXIT.sigterm
      if (signalled) process.exit(code)
      signalled = true
      process.exitCode = code
      // unref'd: a command that finishes sooner is not kept waiting for it.
      setTimeout(() => {
        process.stderr.write(`stopped by ${signal}: gave up waiting after ${STOP_DEADLINE_MS / 1000} s\n`)
        process.exit(code)
      }, STOP_DEADLINE_MS).unref()
      for (const h of this.interruptHandlers) h(signal)
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  }

  /** Every error from parsing the command line is a usage error: one line, exit 2 (see usage-error.ts). */
  // (FlagOutput and ArgOutput, oclif's bounds, are not exported: these are their definitions, `any` included.)
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  protected override async parse<F extends {[name: string]: any}, B extends {[name: string]: any}, A extends {[name: string]: any}>(
    options?: Interfaces.Input<F, B, A>,
    argv?: string[],
  ): Promise<Interfaces.ParserOutput<F, B, A>> {
    try {
      return await super.parse(options, argv)
    } catch (error) {
      if (isStromError(error)) throw error
      throw fromParseError(this.config.bin, this.id ?? '', error as Error)
    }
  }

  protected override async catch(error: Error & {exitCode?: number}): Promise<unknown> {
    if (error instanceof UsageError) {
      if (this.jsonEnabled()) return super.catch(new Errors.CLIError(error.message, {exit: EXIT.usage}))
      printUsageError(error)
      throw error
    }
    if (isStromError(error)) {
      const cliError = toCliError(error)
      // With --json, oclif prints the error as JSON and sets the exit code from a field CLIError
      // does not have (so always 1): set ours first, so scripts see 2, 3 or 1 either way.
      if (this.jsonEnabled()) process.exitCode = cliError.oclif.exit
      return super.catch(cliError)
    }
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

function logDirOptions(options: {write?: boolean}): {create: boolean; onCreated: (dir: string) => void} {
  return {create: options.write === true, onCreated: (dir) => process.stderr.write(`created log directory ${dir}\n`)}
}

/** NO_LOG_DIR from the engine, with a hint that says where the path came from and how to create it. */
function withLogDirHint<T>(target: BackendTarget, open: () => T): T {
  const hint = (error: StromError): StromError => {
    if (error.code !== 'NO_LOG_DIR' || target.kind !== 'dir') return error
    const create = 'commands that write create it: `strom produce TOPIC --create` or `strom topic create TOPIC`'
    const from = target.dir !== undefined ? `check the --dir path; ${create} with that --dir`
      : process.env.STROM_DIR ? `check STROM_DIR; ${create}`
        : `this is the default log directory and nothing has been written to it yet; ${create}`
    return new StromError(error.code, error.message, {hint: from, details: error.details})
  }
  let result: T
  try {
    result = open()
  } catch (error) {
    throw isStromError(error) ? hint(error) : error
  }
  if (result instanceof Promise) return result.catch((error: unknown) => { throw isStromError(error) ? hint(error) : error }) as T
  return result
}

/** How long a command may take to stop after SIGINT/SIGTERM (the bound is 2 s). */
const STOP_DEADLINE_MS = 1500

function warn(message: string): void {
  process.stderr.write(`warning: ${message}\n`)
}

export function toCliError(error: StromError): Errors.CLIError {
  return new Errors.CLIError(error.message, {
    exit: exitCodeForKind(error.kind),
    code: error.code,
    suggestions: error.hint === undefined ? undefined : [error.hint],
  })
}
