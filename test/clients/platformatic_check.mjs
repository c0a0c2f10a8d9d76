/**
 * @platformatic/kafka driving a Kafka-protocol server, for strom's client matrix
 * (test/clients/client-matrix.test.ts), with the same modes and output as kafka_python_check.py:
 * one `key value` line per fact, `record partition:offset key value headers timestamp` per record
 * read; any failure exits 1.
 *
 *   produce BOOTSTRAP TOPIC COUNT CODEC   records k<i>/v<i>, header seq=<i>; CODEC none|gzip|snappy|lz4|zstd
 *   consume BOOTSTRAP TOPIC FROM          FROM: beginning | end | a timestamp in ms
 *   group BOOTSTRAP TOPIC GROUP COUNT     3 members with commits; COUNT records produced once all hold partitions
 *   admin BOOTSTRAP TOPIC                 create (3 partitions), list, delete, list
 *
 * Codecs: the client compresses gzip with node:zlib, snappy and lz4 with its own WebAssembly
 * (@platformatic/wasm-utils), and zstd only with node:zlib's zstdCompressSync (Node >= 22.15):
 * on an older Node its zstd is unavailable, so the matrix lists zstd only where zlib has it.
 *
 * Its message streams always belong to a group (consume() joins one before fetching; the only
 * group-less read is the raw Fetch API), so `consume` reads with a throwaway group that never commits
 * and positions it by explicit offsets (mode 'manual'), the way an application seeks.
 */
import {Admin, Consumer, Producer, stringDeserializers, stringSerializers} from '@platformatic/kafka'

const DEADLINE = Date.now() + 60_000

function left() {
  const remaining = DEADLINE - Date.now()
  if (remaining <= 0) throw new Error('out of time')
  return remaining
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

function printRecord(m) {
  const headers = [...m.headers].map(([k, v]) => `${k}=${v}`).join(',')
  console.log(`record ${m.partition}:${m.offset} ${m.key ?? ''} ${m.value} ${headers} ${m.timestamp}`)
}

function consumer(bootstrap, groupId, clientId) {
  return new Consumer({groupId, clientId, bootstrapBrokers: [bootstrap], deserializers: stringDeserializers, maxWaitTime: 200, sessionTimeout: 10_000, heartbeatInterval: 500})
}

/** Offsets per partition (index = partition) at a timestamp: -2n earliest, -1n latest. */
async function offsetsAt(client, topic, timestamp) {
  const offsets = await client.listOffsets({topics: [topic], timestamp})
  return offsets.get(topic)
}

async function produce(bootstrap, topic, count, codec) {
  const producer = new Producer({clientId: 'matrix-producer', bootstrapBrokers: [bootstrap], serializers: stringSerializers, compression: codec})
  try {
    const messages = Array.from({length: count}, (_, i) => ({topic, key: `k${i}`, value: `v${i}-${'x'.repeat(200)}`, headers: {seq: String(i)}}))
    const result = await producer.send({messages})
    // One ack per partition batch: the records acked are the messages of a send that resolved.
    if (!result.offsets || result.offsets.length === 0) throw new Error('send resolved without offsets')
    console.log('acked', messages.length)
  } finally {
    await producer.close()
  }
}

async function consume(bootstrap, topic, from) {
  const client = consumer(bootstrap, `matrix-read-${process.pid}-${Date.now()}`, 'matrix-reader')
  let stopProducing = false
  let producing
  try {
    const ends = await offsetsAt(client, topic, -1n)
    const partitions = ends.map((_, p) => p)
    let starts
    let expected
    if (from === 'beginning') {
      starts = await offsetsAt(client, topic, -2n)
      expected = partitions.reduce((n, p) => n + Number(ends[p] - starts[p]), 0)
    } else if (from === 'end') {
      starts = ends
      expected = 1
    } else {
      const found = (await client.listOffsetsWithTimestamps({topics: [topic], timestamp: BigInt(from)})).get(topic)
      // No record at or after the timestamp: Kafka answers offset -1; read from the end then.
      starts = partitions.map((p) => {
        const offset = found.get(p)?.offset ?? -1n
        return offset < 0n ? ends[p] : offset
      })
      expected = partitions.reduce((n, p) => n + Number(ends[p] - starts[p]), 0)
    }
    const stream = await client.consume({topics: [topic], mode: 'manual', offsets: partitions.map((p) => ({topic, partition: p, offset: starts[p]})), autocommit: false})
    if (from === 'end') {
      // Positions are only known once the stream fetches: produce until one record arrives.
      producing = (async () => {
        const producer = new Producer({clientId: 'matrix-after', bootstrapBrokers: [bootstrap], serializers: stringSerializers})
        try {
          for (let i = 0; !stopProducing; i++) {
            await producer.send({messages: [{topic, key: 'after', value: `after-${i}`}]})
            await sleep(200)
          }
        } finally {
          await producer.close()
        }
      })()
    }
    let consumed = 0
    let old = 0
    const timer = setTimeout(() => stream.destroy(new Error('out of time')), left())
    if (expected > 0) {
      for await (const m of stream) {
        if (from === 'end' && m.offset < ends[m.partition]) old++
        printRecord(m)
        if (++consumed >= expected) break
      }
    }
    clearTimeout(timer)
    stopProducing = true
    await producing
    await stream.close()
    console.log('consumed', consumed)
    if (from === 'end') console.log('old_records', old)
  } finally {
    stopProducing = true
    await client.close(true)
  }
}

async function group(bootstrap, topic, groupId, count) {
  let stale = 0
  /** The partitions of `topic` a member holds now. */
  let owned = () => []
  const seen = new Map()
  const received = [new Set(), new Set(), new Set()]
  let total = 0
  const members = Array.from({length: 3}, (_, m) => consumer(bootstrap, groupId, `matrix-member-${m}`))
  const streams = []
  const loops = []
  try {
    for (const [m, member] of members.entries()) {
      const stream = await member.consume({topics: [topic], mode: 'earliest', autocommit: false})
      streams.push(stream)
      loops.push(
        (async () => {
          for await (const r of stream) {
            // @platformatic/kafka 1.x hands over records of partitions the member no longer owns:
            // answers to fetches it sent under its previous assignment. It does so against Apache
            // Kafka 4.1 too (83 records delivered for 60 distinct, 12-05), so they are counted apart
            // (stderr) and left out of what the test compares, which is what the group did.
            if (!owned(members[m]).includes(r.partition)) {
              stale++
              continue
            }
            const key = `${r.partition}:${r.offset}`
            seen.set(key, (seen.get(key) ?? 0) + 1)
            received[m].add(r.partition)
            total++
            await r.commit()
          }
        })(),
      )
    }
    let failure
    for (const loop of loops) loop.catch((error) => (failure ??= error))
    const admin = new Admin({clientId: 'matrix-probe', bootstrapBrokers: [bootstrap]})
    const partitionCount = (await admin.metadata({topics: [topic]})).topics.get(topic).partitionsCount
    await admin.close()
    owned = (member) => (member.assignments ?? []).filter((a) => a.topic === topic).flatMap((a) => a.partitions)
    for (;;) {
      if (failure) throw failure
      const union = members.flatMap(owned)
      if (members.every((member) => owned(member).length > 0) && union.length === partitionCount && new Set(union).size === partitionCount) break
      left()
      await sleep(50)
    }
    console.log('members_with_partitions', 3)
    const producer = new Producer({clientId: 'matrix-group-producer', bootstrapBrokers: [bootstrap], serializers: stringSerializers})
    await producer.send({messages: Array.from({length: count}, (_, i) => ({topic, partition: i % partitionCount, key: `k${i}`, value: `v${i}`}))})
    await producer.close()
    while (seen.size < count) {
      if (failure) throw failure
      left()
      await sleep(50)
    }
  } finally {
    await Promise.all(streams.map((s) => s.close()))
    await Promise.all(members.map((member) => member.close()))
  }
  const owners = new Map()
  for (const partitions of received) for (const p of partitions) owners.set(p, (owners.get(p) ?? 0) + 1)
  process.stderr.write(`records of partitions no longer owned, left out: ${stale}\n`)
  console.log('consumed', total)
  console.log('distinct', seen.size)
  console.log('members_with_records', received.filter((r) => r.size > 0).length)
  console.log('overlaps', [...owners.values()].filter((n) => n > 1).length)
}

async function admin(bootstrap, topic) {
  const client = new Admin({clientId: 'matrix-admin', bootstrapBrokers: [bootstrap]})
  try {
    await client.createTopics({topics: [topic], partitions: 3, replicas: 1})
    console.log('created', topic)
    console.log('listed', String((await client.listTopics()).includes(topic)))
    const metadata = await client.metadata({topics: [topic], forceUpdate: true})
    console.log('partitions', metadata.topics.get(topic).partitionsCount)
    await client.deleteTopics({topics: [topic]})
    console.log('deleted', String(!(await client.listTopics()).includes(topic)))
  } finally {
    await client.close()
  }
}

const [mode, bootstrap, topic, ...args] = process.argv.slice(2)
const modes = {
  produce: () => produce(bootstrap, topic, Number(args[0]), args[1]),
  consume: () => consume(bootstrap, topic, args[0]),
  group: () => group(bootstrap, topic, args[0], Number(args[1])),
  admin: () => admin(bootstrap, topic),
}
if (!modes[mode]) {
  console.error(`unknown mode ${mode}`)
  process.exit(2)
}
try {
  await modes[mode]()
  process.exit(0)
} catch (error) {
  console.error(error)
  process.exit(1)
}
