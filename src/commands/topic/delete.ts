import readline from 'node:readline/promises'
import {Args, Flags} from '@oclif/core'
import {StromCommand} from '../../cli/base-command.js'
import {StromError} from '../../core/errors.js'

export default class TopicDelete extends StromCommand {
  static summary = 'Delete a topic and all its messages.'
  static description = 'Asks for confirmation on a terminal; scripts pass --force.'
  static enableJsonFlag = true
  static examples = ['<%= config.bin %> topic delete old-logs', '<%= config.bin %> topic delete old-logs --force']
  static args = {name: Args.string({ignoreStdin: true, description: 'topic name', required: true})}
  static flags = {force: Flags.boolean({char: 'f', description: 'do not ask for confirmation'})}

  async run(): Promise<{topic: string; deleted: boolean}> {
    const {args, flags} = await this.parse(TopicDelete)
    const backend = await this.openBackend(flags)
    const meta = {name: args.name, partitions: await backend.topicPartitions(args.name)}
    if (!flags.force) {
      if (!process.stdin.isTTY) {
        throw new StromError('INVALID_ARGUMENT', `refusing to delete topic '${meta.name}' without confirmation`, {hint: 'pass --force when running from a script'})
      }
      const prompt = readline.createInterface({input: process.stdin, output: process.stderr})
      const answer = await prompt.question(`Delete topic ${meta.name} (${meta.partitions} partitions) and all its messages? Type the topic name to confirm: `)
      prompt.close()
      if (answer.trim() !== meta.name) {
        this.logToStderr('not deleted')
        return {topic: meta.name, deleted: false}
      }
    }
    await backend.deleteTopic(meta.name)
    this.log(`deleted topic ${meta.name}`)
    return {topic: meta.name, deleted: true}
  }
}
