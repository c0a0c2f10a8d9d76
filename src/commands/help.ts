import {Args, Command} from '@oclif/core'
import StromHelp from '../cli/help.js'
import {printUsageError, unknownCommand} from '../cli/usage-error.js'

/** `strom help consume`, `strom help topic create`: the same as `strom consume --help`. */
export default class HelpCommand extends Command {
  static summary = 'Show the help of strom, of a topic or of a command (strom help topic create).'
  static strict = false
  static args = {command: Args.string({description: 'command words, as typed (e.g. topic create)', required: false})}

  async run(): Promise<void> {
    const {argv} = await this.parse(HelpCommand)
    const words = (argv as string[]).filter((w) => !w.startsWith('-'))
    const id = words.join(':')
    if (words.length > 0 && this.config.findCommand(id) === undefined && this.config.findTopic(id) === undefined) {
      const error = unknownCommand(this.config.bin, id, this.config.commandIDs)
      printUsageError(error)
      throw error
    }
    await new StromHelp(this.config, this.config.pjson.oclif.helpOptions).showHelp(words)
  }
}
