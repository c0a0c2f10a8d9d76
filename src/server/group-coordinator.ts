/**
 * Kafka's classic group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) for Kafka clients,
 * on top of strom's own file-based groups, so a Kafka client and `strom consume --group` in the
 * same group share its partitions as one group.
 *
 * Each Kafka member is backed by a strom group member (core/groups/group-member.ts) that this
 * process holds: it is listed in the group's state.json like any other member (so `strom group
 * describe` shows it), its liveness lock is held by this serve process, and strom's assignor
 * decides the partitions for everyone, Kafka clients included (server-side assignment: the Kafka
 * leader's own plan in SyncGroup is ignored). The handover rule is strom's revoke-then-claim: a
 * Kafka member is given a partition only once it has claimed it in state.json, and a partition it
 * must give up is released when it rejoins (eager clients stop reading everything before they
 * rejoin, and commit first).
 *
 * A strom-side change (a member joined, left or died, a topic grew) reaches a Kafka member as
 * REBALANCE_IN_PROGRESS on its next Heartbeat, as with a Kafka broker. The Kafka-side state (who
 * joined, the generation) is in memory per serve process; several serve processes on one
 * directory coordinate through the files.
 */
import {validateName} from '../core/names.js'
import type {Log} from '../core/log.js'
import {GroupMember} from '../core/groups/group-member.js'
import {parseTpKey} from '../core/groups/assignors.js'
import {ERR, errorMessage, kafkaErrorCode} from './protocol/error-codes.js'
import {decodeSubscriptionTopics, encodeAssignment} from '../protocol/consumer-protocol.js'

/** What join needs of a JoinGroup request (any version; rebalanceTimeoutMs already defaulted). */
export interface JoinGroupRequest {
  groupId: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  memberId: string
  groupInstanceId: string | null
  protocolType: string
  protocols: Array<{name: string; metadata: Buffer}>
}

export interface JoinGroupResponse {
  errorCode: number
  generationId: number
  protocolName: string
  leader: string
  memberId: string
  members: Array<{memberId: string; metadata: Buffer}>
}

/**
 * Members that arrive together join in one rebalance: Kafka's group.initial.rebalance.delay.ms,
 * shortened (its default is 3 s; strom's members mostly start on one machine, together).
 */
export const DEFAULT_INITIAL_REBALANCE_DELAY_MS = 300
const TICK_MS = 500
/** Touch the liveness files of held members this often (strom's heartbeat for shared filesystems). */
const LIVENESS_TOUCH_MS = 5000
/** Ask strom about dead members and grown topics at most this often per group. */
const STROM_CHECK_MS = 1000

export type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

interface KafkaMember {
  id: string
  proxy: GroupMember
  clientId: string
  clientHost: string
  sessionTimeoutMs: number
  rebalanceTimeoutMs: number
  protocols: Array<{name: string; metadata: Buffer}>
  topics: string[]
  lastSeenMs: number
  joinWaiter?: (response: JoinGroupResponse) => void
  owned: Set<string>
  assignment: Buffer
}

interface KafkaGroup {
  name: string
  state: GroupStateName
  generation: number
  protocolName: string
  leader: string
  members: Map<string, KafkaMember>
  joinTimer?: NodeJS.Timeout
  delayTimer?: NodeJS.Timeout
  joinNotBeforeMs: number
  lastStromCheckMs: number
}

const EMPTY_ASSIGNMENT = encodeAssignment(new Map())

export class GroupCoordinator {
  private readonly groups = new Map<string, KafkaGroup>()
  private readonly tick: NodeJS.Timeout
  private lastTouchMs = Date.now()

  /** `initialRebalanceDelayMs`: how long a join into an empty group waits for others (Kafka's group.initial.rebalance.delay.ms). */
  constructor(private readonly log: Log, private readonly report: (message: string) => void, private readonly initialRebalanceDelayMs = DEFAULT_INITIAL_REBALANCE_DELAY_MS) {
    this.tick = setInterval(() => this.onTick(), TICK_MS)
    this.tick.unref()
  }

  groupNames(): string[] {
    return [...this.groups.keys()]
  }

  describe(name: string): {state: GroupStateName; protocolName: string; members: KafkaMember[]} | undefined {
    const group = this.groups.get(name)
    if (group === undefined) return undefined
    return {state: group.state, protocolName: group.protocolName, members: [...group.members.values()]}
  }

  async join(req: JoinGroupRequest, clientId: string, clientHost: string): Promise<JoinGroupResponse> {
    const fail = (errorCode: number, memberId = req.memberId): JoinGroupResponse => ({errorCode, generationId: -1, protocolName: '', leader: '', memberId, members: []})
    try {
      validateName('group', req.groupId)
    } catch {
      return fail(ERR.INVALID_GROUP_ID)
    }
    if (req.protocolType !== 'consumer' || req.protocols.length === 0) return fail(ERR.INCONSISTENT_GROUP_PROTOCOL)
    if (req.sessionTimeoutMs < 1000 || req.sessionTimeoutMs > 1_800_000) return fail(ERR.INVALID_SESSION_TIMEOUT)
    let topics: string[]
    try {
      topics = decodeSubscriptionTopics(req.protocols[0].metadata)
    } catch {
      return fail(ERR.INCONSISTENT_GROUP_PROTOCOL)
    }
    const group = this.group(req.groupId)
    let member = req.memberId === '' ? undefined : group.members.get(req.memberId)
    if (req.memberId !== '' && member === undefined) return fail(ERR.UNKNOWN_MEMBER_ID)
    const others = [...group.members.values()].filter((m) => m !== member)
    if (others.length > 0 && !req.protocols.some((p) => others.every((o) => o.protocols.some((op) => op.name === p.name)))) return fail(ERR.INCONSISTENT_GROUP_PROTOCOL)
    try {
      if (member !== undefined && member.topics.join(',') !== [...topics].sort().join(',')) {
        // A changed subscription: strom members carry theirs in state.json, so join again as a new one.
        this.removeMember(group, member, 'changed its subscription')
        member = undefined
      }
      if (member === undefined) {
        const proxy = new GroupMember(this.log, req.groupId, {topics, clientId: clientId || undefined})
        proxy.join()
        member = {id: proxy.id, proxy, clientId, clientHost, sessionTimeoutMs: 0, rebalanceTimeoutMs: 0, protocols: [], topics: [...topics].sort(), lastSeenMs: 0, owned: new Set(), assignment: EMPTY_ASSIGNMENT}
        group.members.set(member.id, member)
        this.report(`group ${group.name}: member ${member.id} (${clientId || 'no client id'} at ${clientHost}) joined`)
      }
    } catch (error) {
      this.report(`group ${req.groupId}: join failed: ${errorMessage(error)}`)
      return fail(kafkaErrorCode(error))
    }
    member.sessionTimeoutMs = req.sessionTimeoutMs
    member.rebalanceTimeoutMs = Math.max(req.rebalanceTimeoutMs, req.sessionTimeoutMs)
    member.protocols = req.protocols
    member.lastSeenMs = Date.now()
    const joined = member
    const response = new Promise<JoinGroupResponse>((resolve) => {
      // A member that sent JoinGroup again while one is parked (it gave up waiting): the old request is
      // told to rejoin, not UNKNOWN_MEMBER_ID, which would make the client drop its id and join twice.
      joined.joinWaiter?.(fail(ERR.REBALANCE_IN_PROGRESS, joined.id))
      joined.joinWaiter = resolve
    })
    this.prepareRebalance(group)
    this.maybeCompleteJoin(group)
    return response
  }

  sync(groupId: string, generationId: number, memberId: string): {errorCode: number; assignment: Buffer} {
    const found = this.find(groupId, memberId)
    if (found === undefined) return {errorCode: ERR.UNKNOWN_MEMBER_ID, assignment: EMPTY_ASSIGNMENT}
    const [group, member] = found
    member.lastSeenMs = Date.now()
    if (group.state === 'PreparingRebalance') return {errorCode: ERR.REBALANCE_IN_PROGRESS, assignment: EMPTY_ASSIGNMENT}
    if (generationId !== group.generation) return {errorCode: ERR.ILLEGAL_GENERATION, assignment: EMPTY_ASSIGNMENT}
    group.state = 'Stable'
    return {errorCode: ERR.NONE, assignment: member.assignment}
  }

  heartbeat(groupId: string, generationId: number, memberId: string): number {
    const found = this.find(groupId, memberId)
    if (found === undefined) return ERR.UNKNOWN_MEMBER_ID
    const [group, member] = found
    member.lastSeenMs = Date.now()
    if (group.state === 'PreparingRebalance') return ERR.REBALANCE_IN_PROGRESS
    if (generationId !== group.generation) return ERR.ILLEGAL_GENERATION
    if (this.stromWantsRebalance(group)) {
      this.prepareRebalance(group)
      return ERR.REBALANCE_IN_PROGRESS
    }
    return ERR.NONE
  }

  leave(groupId: string, memberId: string): number {
    const found = this.find(groupId, memberId)
    if (found === undefined) return ERR.UNKNOWN_MEMBER_ID
    const [group, member] = found
    this.removeMember(group, member, 'left')
    if (group.members.size > 0) this.prepareRebalance(group)
    else group.state = 'Empty'
    return ERR.NONE
  }

  /** The strom member a Kafka member's commits go through, after Kafka's generation check. */
  committer(groupId: string, generationId: number, memberId: string): {errorCode: number; proxy?: GroupMember} {
    const found = this.find(groupId, memberId)
    if (found === undefined) return {errorCode: ERR.UNKNOWN_MEMBER_ID}
    const [group, member] = found
    member.lastSeenMs = Date.now()
    if (generationId !== group.generation) return {errorCode: ERR.ILLEGAL_GENERATION}
    if (group.state === 'CompletingRebalance') return {errorCode: ERR.REBALANCE_IN_PROGRESS}
    return {errorCode: ERR.NONE, proxy: member.proxy}
  }

  hasMembers(groupId: string): boolean {
    return (this.groups.get(groupId)?.members.size ?? 0) > 0
  }

  /** Drops what this server remembers of a group without members (after DeleteGroups); false when it knew nothing of it. */
  forget(groupId: string): boolean {
    const group = this.groups.get(groupId)
    if (group === undefined || group.members.size > 0) return false
    clearTimeout(group.joinTimer)
    clearTimeout(group.delayTimer)
    return this.groups.delete(groupId)
  }

  /** Removes every member (their partitions go back to the group) and answers parked joins. */
  close(): void {
    clearInterval(this.tick)
    for (const group of this.groups.values()) {
      clearTimeout(group.joinTimer)
      clearTimeout(group.delayTimer)
      for (const member of [...group.members.values()]) {
        member.joinWaiter?.({errorCode: ERR.COORDINATOR_NOT_AVAILABLE, generationId: -1, protocolName: '', leader: '', memberId: member.id, members: []})
        member.joinWaiter = undefined
        this.removeMember(group, member, 'left (server shutting down)')
      }
    }
  }

  private group(name: string): KafkaGroup {
    let group = this.groups.get(name)
    if (group === undefined) {
      group = {name, state: 'Empty', generation: 0, protocolName: '', leader: '', members: new Map(), joinNotBeforeMs: 0, lastStromCheckMs: 0}
      this.groups.set(name, group)
    }
    return group
  }

  private find(groupId: string, memberId: string): [KafkaGroup, KafkaMember] | undefined {
    const group = this.groups.get(groupId)
    const member = group?.members.get(memberId)
    return group === undefined || member === undefined ? undefined : [group, member]
  }

  private prepareRebalance(group: KafkaGroup): void {
    if (group.state === 'PreparingRebalance') return
    // A group starting from nothing waits a moment, so members started together join in one round.
    group.joinNotBeforeMs = group.state === 'Empty' ? Date.now() + this.initialRebalanceDelayMs : 0
    group.state = 'PreparingRebalance'
    clearTimeout(group.joinTimer)
    clearTimeout(group.delayTimer)
    // Everyone known gets the (longest) rebalance timeout to rejoin; then the join completes without the others.
    const timeoutMs = Math.max(this.initialRebalanceDelayMs, ...[...group.members.values()].map((m) => m.rebalanceTimeoutMs))
    group.joinTimer = setTimeout(() => this.completeJoin(group), timeoutMs)
  }

  private maybeCompleteJoin(group: KafkaGroup): void {
    if (group.state !== 'PreparingRebalance') return
    if (![...group.members.values()].every((m) => m.joinWaiter !== undefined)) return
    const waitMs = group.joinNotBeforeMs - Date.now()
    if (waitMs > 0) {
      clearTimeout(group.delayTimer)
      group.delayTimer = setTimeout(() => this.maybeCompleteJoin(group), waitMs)
      return
    }
    this.completeJoin(group)
  }

  private completeJoin(group: KafkaGroup): void {
    if (group.state !== 'PreparingRebalance') return
    clearTimeout(group.joinTimer)
    clearTimeout(group.delayTimer)
    for (const member of [...group.members.values()]) if (member.joinWaiter === undefined) this.removeMember(group, member, 'did not rejoin in time')
    if (group.members.size === 0) {
      group.state = 'Empty'
      return
    }
    const members = [...group.members.values()]
    group.generation += 1
    if (!group.members.has(group.leader)) group.leader = members[0].id
    const leader = group.members.get(group.leader)!
    group.protocolName = leader.protocols.find((p) => members.every((m) => m.protocols.some((mp) => mp.name === p.name)))?.name ?? leader.protocols[0].name
    for (const member of members) this.handover(group, member)
    group.state = 'CompletingRebalance'
    for (const member of members) {
      const isLeader = member.id === group.leader
      const waiter = member.joinWaiter!
      member.joinWaiter = undefined
      waiter({
        errorCode: ERR.NONE,
        generationId: group.generation,
        protocolName: group.protocolName,
        leader: group.leader,
        memberId: member.id,
        members: isLeader ? members.map((m) => ({memberId: m.id, metadata: m.protocols.find((p) => p.name === group.protocolName)?.metadata ?? m.protocols[0].metadata})) : [],
      })
    }
    this.report(`group ${group.name}: generation ${group.generation} with ${members.length} Kafka member(s): ${members.map((m) => `${m.id}=[${[...m.owned].join(',')}]`).join(' ')}`)
  }

  /** strom's revoke-then-claim for one Kafka member that just rejoined (it holds nothing client-side now). */
  private handover(group: KafkaGroup, member: KafkaMember): void {
    try {
      const plan = member.proxy.plan(member.owned)
      if (plan.revoke.length > 0) member.proxy.release(plan.revoke, [])
      for (const key of plan.revoke) member.owned.delete(key)
      for (const key of member.proxy.claim(plan.toClaim)) member.owned.add(key)
    } catch (error) {
      this.report(`group ${group.name}: handover for ${member.id} failed: ${errorMessage(error)}`)
    }
    const byTopic = new Map<string, number[]>()
    for (const key of member.owned) {
      const {topic, partition} = parseTpKey(key)
      const list = byTopic.get(topic) ?? []
      list.push(partition)
      byTopic.set(topic, list)
    }
    for (const list of byTopic.values()) list.sort((a, b) => a - b)
    member.assignment = encodeAssignment(byTopic)
  }

  /** Does strom's state ask a Kafka member to give up a partition, or offer one it can claim now? */
  private stromWantsRebalance(group: KafkaGroup): boolean {
    const now = Date.now()
    if (now - group.lastStromCheckMs < STROM_CHECK_MS) return false
    group.lastStromCheckMs = now
    const first = group.members.values().next().value as KafkaMember | undefined
    try {
      first?.proxy.reapOthers()
      first?.proxy.refreshSubscriptions()
      for (const member of group.members.values()) {
        const plan = member.proxy.plan(member.owned)
        if (plan.revoke.length > 0) return true
        const state = member.proxy.state()
        if (plan.toClaim.some((key) => state.owned[key] === undefined || !member.proxy.store.isMemberAlive(state.owned[key].member))) return true
      }
    } catch (error) {
      this.report(`group ${group.name}: ${errorMessage(error)}`)
    }
    return false
  }

  private removeMember(group: KafkaGroup, member: KafkaMember, why: string): void {
    group.members.delete(member.id)
    // A join round waiting for this member need not wait any longer: the rest may all be in.
    if (group.state === 'PreparingRebalance' && group.members.size > 0) queueMicrotask(() => this.maybeCompleteJoin(group))
    try {
      member.proxy.leave([])
    } catch (error) {
      this.report(`group ${group.name}: leaving for ${member.id} failed: ${errorMessage(error)}`)
    }
    this.report(`group ${group.name}: member ${member.id} ${why}`)
  }

  private onTick(): void {
    const now = Date.now()
    const touch = now - this.lastTouchMs >= LIVENESS_TOUCH_MS
    if (touch) this.lastTouchMs = now
    for (const group of this.groups.values()) {
      let expired = false
      for (const member of [...group.members.values()]) {
        if (touch) member.proxy.heartbeat()
        if (member.joinWaiter === undefined && now - member.lastSeenMs > member.sessionTimeoutMs) {
          this.removeMember(group, member, `missed heartbeats for ${member.sessionTimeoutMs} ms`)
          expired = true
        }
      }
      if (expired) {
        if (group.members.size > 0) this.prepareRebalance(group)
        else group.state = 'Empty'
      }
    }
  }
}
