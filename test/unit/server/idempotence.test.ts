/**
 * Idempotent produce as Kafka checks it, with hand-built batches (encodeBatch, then producer id,
 * epoch and base sequence patched into the v2 header and the CRC recomputed): the last five
 * batches per producer and partition are remembered, so a retry of any of them is answered with
 * its original offset and not appended again; a gap is OUT_OF_ORDER_SEQUENCE_NUMBER, an older
 * epoch INVALID_PRODUCER_EPOCH; and the state is rebuilt from the log's batch headers by a new
 * server (a restart).
 */
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {computeBatchCrc, encodeBatch} from '../../../src/core/format/record-batch.js'
import {openLog} from '../../../src/core/log.js'
import type {ServerContext} from '../../../src/server/context.js'
import {handleProduce} from '../../../src/server/handlers/produce.js'
import type {RequestContext} from '../../../src/server/handlers/types.js'
import {PartitionProducers, ProducerState} from '../../../src/server/producer-state.js'
import {ERR} from '../../../src/server/protocol/error-codes.js'
import {Writer} from '../../../src/server/protocol/writer.js'
import {TopicCache} from '../../../src/server/topic-cache.js'
import {tmpLogDir} from '../../helpers/strom.js'
import {callDeclared} from '../../helpers/declared-handler.js'

const PRODUCER = 123_456_789_012

/** A batch of `count` records from this producer, epoch and first sequence. */
function batch(sequence: number, options: {producerId?: number; epoch?: number; count?: number} = {}): Buffer {
  const count = options.count ?? 1
  const out = encodeBatch(Array.from({length: count}, (_, i) => ({key: null, value: Buffer.from(`s${sequence + i}`)})))
  const producerId = options.producerId ?? PRODUCER
  out.writeBigInt64BE(BigInt(producerId), 43)
  out.writeInt16BE(options.epoch ?? 0, 51)
  out.writeInt32BE(sequence, 53)
  out.writeUInt32BE(computeBatchCrc(out, 0, out.length), 17)
  return out
}

/** A serve process's view of the directory: a fresh one is what a restart starts with. */
function server(dir: string): ServerContext {
  const log = openLog({dir})
  return {topics: new TopicCache(log), producers: new ProducerState(), watch: {notify() {}}, options: {sync: false, log() {}}} as unknown as ServerContext
}

/** Produce v3 of one batch to t/0 → [error code, base offset]. */
async function produce(ctx: ServerContext, records: Buffer): Promise<[number, number]> {
  const body = new Writer()
  body.string(null).int16(-1).int32(5000)
  body.array([0], (tw) => tw.string('t').array([0], (pw) => pw.int32(0).bytes(records)))
  const request = {header: {apiKey: 0, apiVersion: 3, correlationId: 1, clientId: 'test'}, connection: {}, noResponse: false} as unknown as RequestContext
  const r = await callDeclared(handleProduce, ctx, request, Buffer.from(body.toBuffer()))
  let answer: [number, number] = [-99, -99]
  r.array((tr) => {
    tr.string()
    tr.array((pr) => {
      pr.int32()
      answer = [pr.int16(), pr.int64()]
      pr.int64()
    })
  })
  return answer
}

function endOffset(ctx: ServerContext): number {
  return ctx.topics.get('t')!.reader(0).endOffset()
}

describe('idempotent produce (serve)', () => {
  it('a retry of any of the last five batches is answered with its offset and not appended; older ones and gaps are out of order', async () => {
    const dir = tmpLogDir()
    openLog({dir}).createTopic('t')
    const ctx = server(dir)
    // Sequences 0..11 in six batches of two records: offsets 0, 2, ..., 10.
    for (let b = 0; b < 6; b++) expect(await produce(ctx, batch(b * 2, {count: 2}))).toEqual([ERR.NONE, b * 2])
    for (const b of [1, 2, 3, 4, 5]) expect(await produce(ctx, batch(b * 2, {count: 2}))).toEqual([ERR.NONE, b * 2])
    expect(endOffset(ctx)).toBe(12)
    // The sixth-to-last is forgotten (Kafka remembers five): out of order, not appended.
    expect((await produce(ctx, batch(0, {count: 2})))[0]).toBe(ERR.OUT_OF_ORDER_SEQUENCE_NUMBER)
    // A gap after sequence 11.
    expect((await produce(ctx, batch(13)))[0]).toBe(ERR.OUT_OF_ORDER_SEQUENCE_NUMBER)
    // Same first sequence, another range: not a duplicate, and not next either.
    expect((await produce(ctx, batch(10)))[0]).toBe(ERR.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect(endOffset(ctx)).toBe(12)
    expect(await produce(ctx, batch(12))).toEqual([ERR.NONE, 12])
  })

  it('epochs: an older one is INVALID_PRODUCER_EPOCH; a newer one starts at sequence 0', async () => {
    const dir = tmpLogDir()
    openLog({dir}).createTopic('t')
    const ctx = server(dir)
    expect(await produce(ctx, batch(0, {epoch: 1}))).toEqual([ERR.NONE, 0])
    expect((await produce(ctx, batch(1, {epoch: 0})))[0]).toBe(ERR.INVALID_PRODUCER_EPOCH)
    expect((await produce(ctx, batch(5, {epoch: 2})))[0]).toBe(ERR.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect(await produce(ctx, batch(0, {epoch: 2}))).toEqual([ERR.NONE, 1])
    // The retry of epoch 1's batch is now an older epoch.
    expect((await produce(ctx, batch(0, {epoch: 1})))[0]).toBe(ERR.INVALID_PRODUCER_EPOCH)
    // Another producer, and a producer the partition never saw, start anywhere; batches without a producer id are never checked.
    expect(await produce(ctx, batch(40, {producerId: 7}))).toEqual([ERR.NONE, 2])
    expect(await produce(ctx, batch(0, {producerId: -1}))).toEqual([ERR.NONE, 3])
    expect(await produce(ctx, batch(0, {producerId: -1}))).toEqual([ERR.NONE, 4])
  })

  it('survives a restart: a new server reads the producer state back from the batch headers, and sees what another server appended', async () => {
    const dir = tmpLogDir()
    openLog({dir}).createTopic('t')
    const first = server(dir)
    for (let s = 0; s < 4; s++) expect(await produce(first, batch(s))).toEqual([ERR.NONE, s])
    const restarted = server(dir)
    expect(await produce(restarted, batch(1))).toEqual([ERR.NONE, 1])
    expect(await produce(restarted, batch(3))).toEqual([ERR.NONE, 3])
    expect((await produce(restarted, batch(5)))[0]).toBe(ERR.OUT_OF_ORDER_SEQUENCE_NUMBER)
    expect(endOffset(restarted)).toBe(4)
    // The first server, still running, has not seen what the restarted one appends; it reads it back before checking.
    expect(await produce(restarted, batch(4))).toEqual([ERR.NONE, 4])
    expect(await produce(first, batch(4))).toEqual([ERR.NONE, 4])
    expect(await produce(first, batch(5))).toEqual([ERR.NONE, 5])
    expect(endOffset(first)).toBe(6)
  })

  it('a log cut back below what the server remembers (a torn tail cut, a repair) is read back: a retry of a lost batch is appended again, not answered with an offset that is gone', async () => {
    const dir = tmpLogDir()
    openLog({dir}).createTopic('t')
    const ctx = server(dir)
    for (let s = 0; s < 4; s++) expect(await produce(ctx, batch(s))).toEqual([ERR.NONE, s])
    // The four batches are the same size: cut the last one off.
    const segment = path.join(dir, 'topics', 't', '0', '00000000000000000000.log')
    fs.truncateSync(segment, (fs.statSync(segment).size / 4) * 3)
    expect(await produce(ctx, batch(3))).toEqual([ERR.NONE, 3])
    expect(await produce(ctx, batch(2))).toEqual([ERR.NONE, 2])
    expect(endOffset(ctx)).toBe(4)
  })

  it('sequences wrap from 2^31-1 to 0', () => {
    const producers = new PartitionProducers()
    producers.record({producerId: 1, producerEpoch: 0, baseSequence: 0x7fff_ffff, lastOffsetDelta: 0}, 0)
    // Sequences wrap from 2^31-1 to 0.
    expect(producers.check({producerId: 1, producerEpoch: 0, baseSequence: 0, lastOffsetDelta: 0})).toEqual({action: 'append'})
    expect(producers.check({producerId: 1, producerEpoch: 0, baseSequence: 0x7fff_ffff, lastOffsetDelta: 0})).toEqual({action: 'duplicate', baseOffset: 0})
  })
})
