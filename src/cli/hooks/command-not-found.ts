/**
 * oclif's command_not_found hook: `strom topci list` is a usage error (exit 2) that names the
 * command as typed and the nearest real one, not `command topci:list not found` (exit 1).
 */
import type {Hook} from '@oclif/core'
import {printUsageError, unknownCommand} from '../usage-error.js'

const hook: Hook<'command_not_found'> = async function (options) {
  const error = unknownCommand(options.config.bin, options.id, options.config.commandIDs)
  printUsageError(error)
  throw error
}

export default hook
