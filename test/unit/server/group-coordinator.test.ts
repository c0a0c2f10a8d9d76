import {afterEach, describe, expect, it} from 'vitest'
import {openLog} from '../../../src/core/log.js'
import {GroupCoordinator} from '../../../src/server/group-coordinator.js'
import {ERR} from '../../../src/server/protocol/error-codes.js'
import {decodeAssignment} from '../../../src/protocol/consumer-protocol.js'
import type {JoinGroupRequest} from '../../../src/server/group-coordinator.js'
import {Writer} from '../../../src/server/protocol/writer.js'
import {tmpLogDir} from '../../helpers/strom.js'

/** A ConsumerProtocolSubscription (version 0) for these topics. */
function subscription(topics: string[]): Buffer {
  const writer = new Writer(64)
  writer.int16(0)
  writer.array(topics, (w, topic) => w.string(topic))
  writer.bytes(null)
  return Buffer.from(writer.toBuffer())
}

function joinRequest(memberId: string, overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {groupId: 'g', sessionTimeoutMs: 1000, rebalanceTimeoutMs: 60_000, memberId, groupInstanceId: null, protocolType: 'consumer', protocols: [{name: 'range', metadata: subscription(['t'])}], ...overrides}
}

const coordinators: GroupCoordinator[] = []
function coordinator(initialRebalanceDelayMs?: number): {coordinator: GroupCoordinator; reports: string[]} {
  const log = openLog({dir: tmpLogDir(), onWarning: () => undefined})
  log.createTopic('t', {partitions: 4})
  const reports: string[] = []
  const made = new GroupCoordinator(log, (message) => reports.push(message), initialRebalanceDelayMs)
  coordinators.push(made)
  return {coordinator: made, reports}
}

afterEach(() => {
  for (const made of coordinators.splice(0)) made.close()
})

describe('serve group coordinator', () => {
  it('completes a join round once the member it waits for is dropped for missed heartbeats (not at the rebalance timeout)', async () => {
    const {coordinator: groups, reports} = coordinator()
    const first = await groups.join(joinRequest(''), 'old', 'h')
    expect(first.errorCode).toBe(ERR.NONE)
    expect(groups.sync('g', first.generationId, first.memberId).errorCode).toBe(ERR.NONE)
    // A newcomer starts a round; the first member never heartbeats or rejoins again.
    const started = Date.now()
    const second = await groups.join(joinRequest(''), 'new', 'h')
    const waitedMs = Date.now() - started
    expect(second.errorCode).toBe(ERR.NONE)
    expect(second.generationId).toBe(first.generationId + 1)
    // Session timeout 1 s (checked every 0.5 s), far below the 60 s rebalance timeout.
    expect(waitedMs).toBeLessThan(5000)
    expect(reports.some((r) => r.includes(`${first.memberId} missed heartbeats`))).toBe(true)
    const synced = groups.sync('g', second.generationId, second.memberId)
    expect([...decodeAssignment(synced.assignment).get('t')!].sort()).toEqual([0, 1, 2, 3])
  }, 15_000)

  it('answers a parked JoinGroup that the same member sent again with REBALANCE_IN_PROGRESS, keeping its member id', async () => {
    const {coordinator: groups} = coordinator()
    const slow = {sessionTimeoutMs: 30_000}
    // Two members in generation 1 (they arrive within the first round's short delay).
    const [a, b] = await Promise.all([groups.join(joinRequest('', slow), 'a', 'h'), groups.join(joinRequest('', slow), 'b', 'h')])
    expect(a.generationId).toBe(b.generationId)
    groups.sync('g', a.generationId, a.memberId)
    groups.sync('g', b.generationId, b.memberId)
    // A newcomer starts a round that waits for a and b; a sends JoinGroup twice before b is back.
    const c = groups.join(joinRequest('', slow), 'c', 'h')
    const a1 = groups.join(joinRequest(a.memberId, slow), 'a', 'h')
    const a2 = groups.join(joinRequest(a.memberId, slow), 'a', 'h')
    const older = await a1
    expect(older.errorCode).toBe(ERR.REBALANCE_IN_PROGRESS)
    expect(older.memberId).toBe(a.memberId)
    const bBack = groups.join(joinRequest(b.memberId, slow), 'b', 'h')
    const round = await Promise.all([a2, bBack, c])
    expect(round.map((r) => r.errorCode)).toEqual([ERR.NONE, ERR.NONE, ERR.NONE])
    expect(round[0].memberId).toBe(a.memberId)
    expect(new Set(round.map((r) => r.generationId))).toEqual(new Set([a.generationId + 1]))
  }, 15_000)

  it('the first join into an empty group waits the initial rebalance delay for others, and 0 does not wait', async () => {
    const timeJoin = async (delayMs: number | undefined) => {
      const {coordinator: groups} = coordinator(delayMs)
      const started = Date.now()
      const joined = await groups.join(joinRequest(''), 'a', 'h')
      expect(joined.errorCode).toBe(ERR.NONE)
      return Date.now() - started
    }
    expect(await timeJoin(undefined)).toBeGreaterThanOrEqual(290)
    expect(await timeJoin(1500)).toBeGreaterThanOrEqual(1490)
    expect(await timeJoin(0)).toBeLessThan(250)
  }, 15_000)
})
