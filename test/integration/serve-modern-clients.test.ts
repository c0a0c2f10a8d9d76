/**
 * `strom serve` with @platformatic/kafka, a client that speaks only the flexible versions (Metadata
 * v9+, Fetch v12+, ...): metadata, produce, a group consumer reading it back, and the records in
 * the log directory for strom's own commands.
 */
import {Admin, Consumer, Producer, stringDeserializers, stringSerializers} from '@platformatic/kafka'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {removeTmpLogDirs, strom, tmpLogDir} from '../helpers/strom.js'
import {type ServeProcess, startServe} from './serve-harness.js'

describe('@platformatic/kafka against strom serve', () => {
  let dir: string
  let server: ServeProcess

  beforeAll(async () => {
    dir = tmpLogDir()
    expect((await strom(dir, ['topic', 'create', 'modern', '--partitions', '2'])).exitCode).toBe(0)
    server = await startServe(dir)
  })

  afterAll(async () => {
    await server?.stop()
    removeTmpLogDirs()
  })

  it('reads metadata: one broker, the topic with its partitions', async () => {
    const admin = new Admin({clientId: 'modern-admin', bootstrapBrokers: [server.bootstrap]})
    try {
      const metadata = await admin.metadata({topics: ['modern']})
      expect([...metadata.brokers.values()].map((b) => b.port)).toEqual([server.port])
      expect(metadata.topics.get('modern')?.partitionsCount).toBe(2)
    } finally {
      await admin.close()
    }
  }, 60_000)

  it('produces, then a group consumer reads every record back from the earliest offset', async () => {
    const producer = new Producer({clientId: 'modern-producer', bootstrapBrokers: [server.bootstrap], serializers: stringSerializers})
    try {
      await producer.send({messages: Array.from({length: 6}, (_, i) => ({topic: 'modern', key: `k${i}`, value: `v${i}`, partition: i % 2}))})
    } finally {
      await producer.close()
    }
    const written = await strom(dir, ['consume', 'modern'])
    expect(written.stderr).toBe('')
    expect(written.stdout.split('\n').filter(Boolean).sort()).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5'])

    const consumer = new Consumer({groupId: 'modern-group', clientId: 'modern-consumer', bootstrapBrokers: [server.bootstrap], deserializers: stringDeserializers})
    const seen: string[] = []
    try {
      const stream = await consumer.consume({topics: ['modern'], mode: 'earliest', autocommit: false, sessionTimeout: 10_000, heartbeatInterval: 500})
      for await (const message of stream) {
        seen.push(`${message.key}=${message.value}`)
        if (seen.length === 6) break
      }
      await stream.close()
    } finally {
      await consumer.close(true)
    }
    expect(seen.sort()).toEqual(['k0=v0', 'k1=v1', 'k2=v2', 'k3=v3', 'k4=v4', 'k5=v5'])
  }, 90_000)
})
