/**
 * Transactions are refused at a transactional client's first two requests, with an error clients
 * treat as fatal at once (TRANSACTIONAL_ID_AUTHORIZATION_FAILED) rather than retry until they
 * time out; FindCoordinator carries the reason as its error message. Group lookups are unchanged.
 */
import {describe, expect, it} from 'vitest'
import type {ServerContext} from '../../../src/server/context.js'
import {handleFindCoordinator} from '../../../src/server/handlers/find-coordinator.js'
import {handleInitProducerId} from '../../../src/server/handlers/init-producer-id.js'
import type {ApiHandler, RequestContext} from '../../../src/server/handlers/types.js'
import {ERR} from '../../../src/server/protocol/error-codes.js'
import {Reader} from '../../../src/server/protocol/reader.js'
import {Writer} from '../../../src/server/protocol/writer.js'
import {callDeclared} from '../../helpers/declared-handler.js'
import {ProducerState} from '../../../src/server/producer-state.js'

async function call(handler: ApiHandler, apiKey: number, apiVersion: number, body: Writer, logged: string[]): Promise<Reader> {
  const ctx = {options: {advertisedHost: '127.0.0.1', advertisedPort: 9092, log: (m: string) => logged.push(m)}, producers: new ProducerState()} as unknown as ServerContext
  const request = {header: {apiKey, apiVersion, correlationId: 1, clientId: 'test'}, connection: {id: 1}, noResponse: false} as unknown as RequestContext
  return callDeclared(handler, ctx, request, Buffer.from(body.toBuffer()))
}

describe('transactions (not supported)', () => {
  it('FindCoordinator v1 for a transactional id: TRANSACTIONAL_ID_AUTHORIZATION_FAILED with the reason; for a group: this node', async () => {
    const logged: string[] = []
    const txn = await call(handleFindCoordinator, 10, 1, new Writer().string('tx-1').int8(1), logged)
    txn.int32()
    expect(txn.int16()).toBe(ERR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
    expect(ERR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED).toBe(53)
    expect(txn.string()).toContain('transactions are not supported by strom serve yet')
    expect(logged.join('\n')).toContain("transactional id 'tx-1' refused")
    const group = await call(handleFindCoordinator, 10, 1, new Writer().string('g').int8(0), logged)
    group.int32()
    expect(group.int16()).toBe(ERR.NONE)
    expect(group.nullableString()).toBe(null)
    expect([group.int32(), group.string(), group.int32()]).toEqual([0, '127.0.0.1', 9092])
  })

  it('InitProducerId with a transactional id is refused; without one it hands out a producer id', async () => {
    const logged: string[] = []
    const txn = await call(handleInitProducerId, 22, 1, new Writer().string('tx-1').int32(60_000), logged)
    txn.int32()
    expect([txn.int16(), txn.int64(), txn.int16()]).toEqual([ERR.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1, -1])
    expect(logged.join('\n')).toContain('transactions are not supported by strom serve yet')
    const idempotent = await call(handleInitProducerId, 22, 1, new Writer().string(null).int32(60_000), logged)
    idempotent.int32()
    expect(idempotent.int16()).toBe(ERR.NONE)
    expect(idempotent.int64()).toBeGreaterThan(0)
    expect(idempotent.int16()).toBe(0)
  })
})
