/**
 * ListOffsets by timestamp answers the found record's offset and its own timestamp (Kafka's
 * semantics), not the timestamp that was asked for; records below the log start are not found.
 */
import {describe, expect, it} from 'vitest'
import {openLog} from '../../../src/core/log.js'
import {deleteRecords} from '../../../src/core/maintenance/delete-records.js'
import {partitionRefs} from '../../../src/core/maintenance/partition-ref.js'
import {Producer} from '../../../src/core/producer.js'
import type {ServerContext} from '../../../src/server/context.js'
import {handleListOffsets} from '../../../src/server/handlers/list-offsets.js'
import type {RequestContext} from '../../../src/server/handlers/types.js'
import {Writer} from '../../../src/server/protocol/writer.js'
import {TopicCache} from '../../../src/server/topic-cache.js'
import {tmpLogDir} from '../../helpers/strom.js'
import {callDeclared} from '../../helpers/declared-handler.js'

/** ListOffsets v1 for partition 0 of `topic` at each timestamp → [timestamp, offset] per answer. */
async function listOffsets(ctx: ServerContext, topic: string, timestamps: number[]): Promise<Array<[number, number]>> {
  const body = new Writer()
  body.int32(-1).array([topic], (w, name) => w.string(name).array(timestamps, (pw, t) => pw.int32(0).int64(t)))
  const request = {header: {apiKey: 2, apiVersion: 1, correlationId: 1, clientId: 'test'}, connection: {}, noResponse: false} as unknown as RequestContext
  const r = await callDeclared(handleListOffsets, ctx, request, Buffer.from(body.toBuffer()))
  const out: Array<[number, number]> = []
  r.array((tr) => {
    tr.string()
    tr.array((pr) => {
      pr.int32()
      expect(pr.int16()).toBe(0)
      out.push([pr.int64(), pr.int64()])
    })
  })
  return out
}

describe('ListOffsets by timestamp', () => {
  it("answers the found record's offset and timestamp; -1, -1 past the last; earliest and latest carry timestamp -1", async () => {
    const log = openLog({dir: tmpLogDir()})
    log.createTopic('timed')
    const producer = new Producer(log.topic('timed'))
    for (const [i, timestamp] of [1000, 2000, 3000, 4000].entries()) producer.send({key: null, value: `v${i}`, partition: 0, timestamp})
    producer.flush()
    producer.close?.()
    const ctx = {topics: new TopicCache(log)} as unknown as ServerContext
    expect(await listOffsets(ctx, 'timed', [1500, 2000, 0, 4001, -2, -1])).toEqual([
      [2000, 1],
      [2000, 1],
      [1000, 0],
      [-1, -1],
      [-1, 0],
      [-1, 4],
    ])
    deleteRecords(partitionRefs(log.topic('timed'), [0])[0], 2)
    ctx.topics.close()
    const after = {topics: new TopicCache(log)} as unknown as ServerContext
    expect(await listOffsets(after, 'timed', [0, 1500])).toEqual([
      [3000, 2],
      [3000, 2],
    ])
    after.topics.close()
  })
})
