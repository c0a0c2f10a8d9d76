/**
 * Root help with a short tour of examples (oclif's default root help has none).
 */
import {Help} from '@oclif/core'

const ROOT_EXAMPLES = `EXAMPLES
  Ship a growing log file into a topic (created on first use)
    $ tail -F app.log | strom produce logs --create

  Read everything in it, then exit (like cat)
    $ strom consume logs

  Follow new messages, like tail -f
    $ strom consume logs -f -o end

  The last hour, as NDJSON
    $ strom consume logs -o @-1h --json

  Keyed messages (key:value), placed as Kafka's partitioner would
    $ printf 'user1:login\\n' | strom produce events -K:

  Topics
    $ strom topic create events --partitions 4 --config retention.ms=86400000
    $ strom topic list
    $ strom topic describe events

  Use another log directory (default: $STROM_DIR, else ~/.local/share/strom)
    $ strom consume logs --dir /var/lib/strom

  The same commands on a Kafka cluster (or $STROM_BOOTSTRAP_SERVERS, or --profile NAME)
    $ strom --bootstrap-server kafka1:9092 topic list
    $ strom consume logs -f --bootstrap-server kafka1:9092

  Copy topics between a directory and a cluster, resumably
    $ strom mirror dir:/var/lib/strom kafka://kafka1:9092 --topic logs
`

export default class StromHelp extends Help {
  protected override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    this.log(ROOT_EXAMPLES)
  }
}
