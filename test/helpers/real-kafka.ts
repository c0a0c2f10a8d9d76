/**
 * Apache Kafka itself, for the tests that check strom against the real thing: a single-node KRaft
 * broker started on first use by `scripts/kafka.sh ensure` (one start shared by every test file of a
 * run, whichever worker asks first) and stopped by the global teardown (test/helpers/global-setup.ts).
 * A 3-broker cluster is started by the test that needs it (`startKafkaCluster`).
 */
import {execa} from 'execa'
import {createHash} from 'node:crypto'
import os from 'node:os'
import path from 'node:path'
import {ROOT} from './strom.js'

export const KAFKA_SCRIPT = path.join(ROOT, 'scripts', 'kafka.sh')
/**
 * Test brokers use their own state and ports, so a broker someone started by hand is left alone,
 * and so do two checkouts of strom testing at once: both are derived from this checkout's path.
 * Ports: the single broker 21000-21399 (its controller +1000), the cluster 23000-23599 (+1000).
 */
const checkout = createHash('sha256').update(ROOT).digest().readUInt16BE(0) % 200
export const TEST_KAFKA_STATE = path.join(os.tmpdir(), `strom-kafka-tests-${checkout}`)
export const TEST_KAFKA_PORT = 21000 + checkout * 2
export const TEST_CLUSTER_STATE = path.join(os.tmpdir(), `strom-kafka-tests-cluster-${checkout}`)
export const TEST_CLUSTER_PORT = 23000 + checkout * 3

const singleEnv = {KAFKA_STATE: TEST_KAFKA_STATE, KAFKA_PORT: String(TEST_KAFKA_PORT)}
const clusterEnv = {KAFKA_STATE: TEST_CLUSTER_STATE, KAFKA_PORT: String(TEST_CLUSTER_PORT)}

/** The bootstrap address of the shared single-node broker, starting it if needed. */
export async function realKafka(): Promise<string> {
  const result = await execa('bash', [KAFKA_SCRIPT, 'ensure'], {env: singleEnv, reject: false, timeout: 300_000})
  if (result.exitCode !== 0) throw new Error(`could not start Apache Kafka (scripts/kafka.sh ensure, exit ${result.exitCode}):\n${result.stderr}`)
  return result.stdout.trim().split('\n').pop()!
}

/** Stops the shared broker if this test run (STROM_TEST_RUN_ID, set by the global setup) started it. */
export async function stopRealKafka(runId: string): Promise<void> {
  await execa('bash', [KAFKA_SCRIPT, 'down-if', runId], {env: singleEnv, reject: false})
}

export interface KafkaCluster {
  bootstrap: string
  /** Broker ids 1..3 and their ports. */
  ports: Record<number, number>
  kill(id: number, signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>
  start(id: number): Promise<void>
  stop(): Promise<void>
}

export async function startKafkaCluster(): Promise<KafkaCluster> {
  const up = await execa('bash', [KAFKA_SCRIPT, 'cluster'], {env: clusterEnv, reject: false, timeout: 300_000})
  if (up.exitCode !== 0) throw new Error(`could not start a 3-broker Kafka cluster (scripts/kafka.sh cluster):\n${up.stderr}`)
  const bootstrap = up.stdout.trim().split('\n').pop()!
  const ports: Record<number, number> = {1: TEST_CLUSTER_PORT, 2: TEST_CLUSTER_PORT + 1, 3: TEST_CLUSTER_PORT + 2}
  const fs = await import('node:fs')
  return {
    bootstrap,
    ports,
    async kill(id, signal = 'SIGKILL') {
      const pid = Number(fs.readFileSync(path.join(TEST_CLUSTER_STATE, `node-${id}`, 'pid'), 'utf8'))
      process.kill(pid, signal)
      // Wait until the process is really gone, so a restart cannot race its lock on the data dir.
      for (let i = 0; i < 600; i++) {
        try {
          process.kill(pid, 0)
        } catch {
          return
        }
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    async start(id) {
      const result = await execa('bash', [KAFKA_SCRIPT, 'start', String(id)], {env: clusterEnv, reject: false, timeout: 300_000})
      if (result.exitCode !== 0) throw new Error(`could not restart Kafka broker ${id}:\n${result.stderr}`)
    },
    async stop() {
      await execa('bash', [KAFKA_SCRIPT, 'down'], {env: clusterEnv, reject: false})
    },
  }
}

/** Runs one of Kafka's own command-line tools (a main class) against whatever the args name. */
export async function kafkaTool(mainClass: string, args: string[], options: {input?: string; timeout?: number} = {}) {
  const result = await execa('bash', [KAFKA_SCRIPT, 'run', mainClass, ...args], {input: options.input, reject: false, timeout: options.timeout ?? 120_000})
  return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1}
}

/**
 * A Java program on kafka-clients (one source file, its public class named like the file) compiled
 * once per source and classpath version against Kafka's classpath; returns the command that runs it
 * (`java ... MainClass`, the program's arguments to follow). Small heap, serial GC and C1 only: these
 * programs are short and the test machine's cores are shared.
 */
export async function compiledJava(source: string): Promise<string[]> {
  const fs = await import('node:fs')
  const crypto = await import('node:crypto')
  const mainClass = path.basename(source, '.java')
  const classpath = (await execa('bash', [KAFKA_SCRIPT, 'classpath'])).stdout.trim()
  const hash = crypto.createHash('sha256').update(fs.readFileSync(source)).update(classpath).digest('hex').slice(0, 16)
  const out = path.join(os.tmpdir(), `strom-java-${mainClass}-${hash}`)
  if (!fs.existsSync(path.join(out, `${mainClass}.class`))) {
    // Compiled aside then renamed: two test files compiling at once never see half a directory.
    const staging = `${out}.${process.pid}`
    const compiled = await execa('javac', ['-nowarn', '-cp', classpath, '-d', staging, source], {reject: false, timeout: 300_000})
    if (compiled.exitCode !== 0) throw new Error(`javac ${source} failed:\n${compiled.stderr}`)
    try {
      fs.renameSync(staging, out)
    } catch (error) {
      // Another worker renamed its copy first: use that one.
      if (!fs.existsSync(path.join(out, `${mainClass}.class`))) throw error
      fs.rmSync(staging, {recursive: true, force: true})
    }
  }
  return ['java', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${path.join(ROOT, 'test', 'kafka', 'log4j2.properties')}`, '-cp', `${out}:${classpath}`, mainClass]
}

/** The Java client check (test/kafka/java/StromClientCheck.java), compiled; returns the command that runs it. */
export async function javaClientCheck(): Promise<(args: string[], timeout?: number) => Promise<{stdout: string; stderr: string; exitCode: number}>> {
  const [java, ...prefix] = await compiledJava(path.join(ROOT, 'test', 'kafka', 'java', 'StromClientCheck.java'))
  return async (args, timeout = 180_000) => {
    const result = await execa(java!, [...prefix, ...args], {reject: false, timeout})
    return {stdout: String(result.stdout), stderr: String(result.stderr), exitCode: result.exitCode ?? -1}
  }
}

/** `key value` lines (what the Java check prints) as a map. */
export function facts(stdout: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of stdout.split('\n')) {
    const at = line.indexOf(' ')
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim()
  }
  return out
}
