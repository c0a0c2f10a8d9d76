/**
 * Once per test run. The real Kafka broker is started lazily by the first test file that needs it
 * (test/helpers/real-kafka.ts), so a run of unit tests alone never pays for a JVM; whatever was
 * started is stopped here at the end of the run, also when a test failed half-way.
 */
import {stopRealKafka} from './real-kafka.js'

export default function setup(): () => Promise<void> {
  // Workers inherit this: the broker records which run started it, and only that run stops it.
  const runId = `${process.pid}-${Date.now()}`
  process.env.STROM_TEST_RUN_ID = runId
  return async () => {
    await stopRealKafka(runId)
  }
}
