/**
 * Once per test run. The real Kafka broker is started lazily by the first test file that needs it
 * (test/helpers/real-kafka.ts), so a run of unit tests alone never pays for a JVM; whatever was
 * started is stopped here at the end of the run, also when a test failed half-way.
 */
import {stopRealKafka} from './real-kafka.js'

export default function setup(): () => Promise<void> {
  return async () => {
    await stopRealKafka()
  }
}
