/**
 * One member of a consumer group, coordinating with the others through the group's files only.
 *
 * No leader: whoever changes membership (join, leave, reaping a dead member, a subscription or
 * partition-count change) does it under the group LOCK, bumps the generation and recomputes the
 * target assignment with the group's strategy, a pure function of the state.
 *
 * Handoff is revoke-then-claim, which gives "at most one reader per partition": a member reads a
 * partition only while `owned[tp]` names it; a member that is no longer the target of a partition
 * stops reading it, commits, and then releases it; the target member claims it only once it is
 * released or its owner is dead (its liveness lock is free).
 *
 * A member can be declared dead while its process lives: stopped (Ctrl-Z, SIGSTOP) or stalled for
 * longer than the session timeout, another member reaps it (drops it from the state, deletes its
 * liveness file) and takes its partitions. When it runs again it must not carry on as before: it
 * notices (its id is gone from the state), drops its partitions without committing, and joins as a
 * new member (new id, new liveness file and lock). Its commits are fenced meanwhile: a commit is
 * accepted only for a partition whose `owned` entry names this member id AND the generation in which
 * it claimed it, so neither a reaped member nor one that reclaimed after an `offsets reset` can move
 * an offset it no longer owns.
 */
import fs from 'node:fs'
import os from 'node:os'
import {StromError} from '../errors.js'
import {FileLock} from '../io/file-lock.js'
import type {Log} from '../log.js'
import {Strategy, assign, compareTpKeys} from './assignors.js'
import {GroupState, GroupStore, MemberInfo, OffsetCommit} from './group-store.js'
import {randomHex} from '../io/random-hex.js'

export interface MemberOptions {
  topics: string[]
  pattern?: RegExp
  /** Requested strategy; undefined means "whatever the group uses" (sticky for a new group). */
  strategy?: Strategy
  clientId?: string
}

export interface MemberPlan {
  generation: number
  /** This member had been reaped and joined again as a new member: drop every partition, commit nothing. */
  rejoined: boolean
  target: string[]
  /** Partitions I own but must hand over. */
  revoke: string[]
  /** Partitions I should read but do not own yet. */
  toClaim: string[]
}

export class GroupMember {
  /** Changes when the member was reaped and joined again (a new member for the group). */
  id: string
  readonly store: GroupStore
  private alive: FileLock | undefined
  private stateStamp = -1n
  private cachedState: GroupState | undefined
  private joined = false
  /** Partition → the generation in which this member id claimed it: the fence of its commits. */
  private readonly claims = new Map<string, number>()

  constructor(readonly log: Log, readonly group: string, readonly options: MemberOptions) {
    this.store = new GroupStore(log.dir, group)
    this.id = newMemberId()
  }

  /** Takes the liveness lock, then adds this member to the group and rebalances. */
  join(): void {
    this.store.ensure()
    this.alive = new FileLock(this.store.aliveFile(this.id))
    if (!this.alive.tryAcquire()) throw new Error(`liveness file for ${this.id} is locked`)
    this.store.withLock(() => {
      const state = this.store.readState()
      // Left by an earlier join of this process (a member id is never reused): gone.
      delete state.members[this.id]
      this.store.reapDeadMembersLocked(state, this.id)
      const groupProtocol = Object.keys(state.members).length > 0 ? state.protocol : null
      if (this.options.strategy !== undefined && groupProtocol !== null && groupProtocol !== this.options.strategy) {
        throw new StromError('INCONSISTENT_GROUP_PROTOCOL', `group '${this.group}' uses the ${groupProtocol} strategy; this member asked for ${this.options.strategy}`, {
          hint: `drop --strategy (members adopt the group's strategy) or use --strategy ${groupProtocol}`,
        })
      }
      state.protocol = groupProtocol ?? this.options.strategy ?? 'sticky'
      state.members[this.id] = {
        pid: process.pid,
        host: os.hostname(),
        startedMs: Date.now(),
        topics: this.options.topics,
        pattern: this.options.pattern?.source ?? null,
        strategy: state.protocol,
        subscribed: [],
        clientId: this.options.clientId,
      }
      this.rebalanceLocked(state)
    })
    this.joined = true
  }

  /** Current plan from the group state; cheap when nothing changed (one stat). */
  plan(owned: Iterable<string>): MemberPlan {
    const state = this.state()
    if (this.joined && state.members[this.id] === undefined) {
      // We were reaped while our process lived (stopped or stalled past the session timeout, or a
      // clock jump): everything we held may be read by others now. Join again as a new member.
      this.rejoin()
      return {...this.plan([]), rejoined: true, revoke: [...owned]}
    }
    const target = state.target[this.id] ?? []
    const targetSet = new Set(target)
    const ownedSet = new Set(owned)
    return {
      generation: state.generation,
      rejoined: false,
      target,
      revoke: [...ownedSet].filter((key) => !targetSet.has(key) || !this.ownsIn(state, key)),
      toClaim: target.filter((key) => !ownedSet.has(key)),
    }
  }

  /**
   * Does this member still own `key` by the group state on disk (one stat when nothing changed)?
   * Checked before reading each batch, so a member that was paused and reaped stops at once, before
   * it prints a record the partition's new owner reads too.
   */
  stillOwns(key: string): boolean {
    const state = this.state()
    return state.members[this.id] !== undefined && this.ownsIn(state, key)
  }

  private ownsIn(state: GroupState, key: string): boolean {
    const owner = state.owned[key]
    return owner !== undefined && owner.member === this.id && owner.generation === this.claims.get(key)
  }

  /** New id, new liveness file and lock, then a fresh join. The old id's file was deleted by the reaper. */
  private rejoin(): void {
    const oldId = this.id
    this.alive?.close()
    fs.rmSync(this.store.aliveFile(oldId), {force: true})
    this.claims.clear()
    this.id = newMemberId()
    this.joined = false
    this.join()
    this.stateStamp = -1n
  }

  /** The generation in which this member claimed a partition it owns (the fence of its commits). */
  claimGeneration(key: string): number | undefined {
    return this.claims.get(key)
  }

  /** Commits (fenced) and releases partitions this member hands over. */
  release(keys: string[], commits: OffsetCommit[]): OffsetCommit[] {
    if (keys.length === 0 && commits.length === 0) return []
    let rejected: OffsetCommit[] = []
    this.store.withLock(() => {
      const state = this.store.readState()
      rejected = this.commitOwnedLocked(state, commits)
      let changed = false
      for (const key of keys) {
        if (this.ownsIn(state, key)) {
          delete state.owned[key]
          changed = true
        }
        this.claims.delete(key)
      }
      if (changed) this.store.writeStateLocked(state)
    })
    this.stateStamp = -1n
    return rejected
  }

  /** Claims target partitions that are free (released, or their owner is dead). Returns those claimed. */
  claim(keys: string[]): string[] {
    if (keys.length === 0) return []
    const claimed: string[] = []
    this.store.withLock(() => {
      const state = this.store.readState()
      const target = new Set(state.target[this.id] ?? [])
      for (const key of keys) {
        if (!target.has(key)) continue
        const owner = state.owned[key]
        if (owner !== undefined && owner.member !== this.id && this.store.isMemberAlive(owner.member)) continue
        state.owned[key] = {member: this.id, generation: state.generation}
        this.claims.set(key, state.generation)
        claimed.push(key)
      }
      if (claimed.length > 0) this.store.writeStateLocked(state)
    })
    this.stateStamp = -1n
    return claimed
  }

  /** Fenced commit of positions (next offsets to read) for partitions this member owns. */
  commit(commits: OffsetCommit[]): OffsetCommit[] {
    if (commits.length === 0) return []
    let rejected: OffsetCommit[] = []
    this.store.withLock(() => {
      rejected = this.commitOwnedLocked(this.store.readState(), commits)
    })
    return rejected
  }

  /**
   * Caller holds the lock. Writes the commits for partitions this member owns (fencing: member id and
   * claim generation, and the member must still be in the group); returns the others.
   */
  private commitOwnedLocked(state: GroupState, commits: OffsetCommit[]): OffsetCommit[] {
    if (state.members[this.id] === undefined) return commits
    const mine = commits.filter((c) => this.ownsIn(state, `${c.topic}:${c.partition}`))
    if (mine.length > 0) this.store.writeOffsetsLocked(mine)
    return commits.filter((c) => !mine.includes(c))
  }

  /** Looks for dead members (liveness locks that are free) and rebalances without them. */
  reapOthers(): boolean {
    const state = this.state()
    const suspects = Object.keys(state.members).filter((id) => id !== this.id && !this.store.isMemberAlive(id))
    const orphaned = Object.values(state.owned).some((o) => state.members[o.member] === undefined)
    if (suspects.length === 0 && !orphaned) return false
    this.store.withLock(() => {
      const fresh = this.store.readState()
      const dead = this.store.reapDeadMembersLocked(fresh, this.id)
      for (const [key, owner] of Object.entries(fresh.owned)) if (fresh.members[owner.member] === undefined) delete fresh.owned[key]
      if (dead.length > 0) this.rebalanceLocked(fresh)
      else this.store.writeStateLocked(fresh)
    })
    this.stateStamp = -1n
    return true
  }

  /** Rebalances when the subscribed topics or their partition counts changed (patterns, topic alter). */
  refreshSubscriptions(): boolean {
    const state = this.state()
    const counts = this.partitionCounts(state)
    const expected = this.computeSubscriptions(state)
    const stale = Object.entries(expected).some(([id, topics]) => topics.join(',') !== (state.members[id]?.subscribed ?? []).join(','))
    const assignedCount = Object.values(state.target).reduce((n, t) => n + t.length, 0)
    const totalPartitions = [...new Set(Object.values(expected).flat())].reduce((n, t) => n + (counts[t] ?? 0), 0)
    if (!stale && assignedCount === totalPartitions) return false
    this.store.withLock(() => this.rebalanceLocked(this.store.readState()))
    this.stateStamp = -1n
    return true
  }

  /** Leaves the group: commits, releases everything, rebalances the others, drops the liveness lock. */
  leave(commits: OffsetCommit[]): void {
    if (!this.joined) return
    this.joined = false
    try {
      this.store.withLock(() => {
        const state = this.store.readState()
        this.commitOwnedLocked(state, commits)
        delete state.members[this.id]
        delete state.target[this.id]
        for (const [key, owner] of Object.entries(state.owned)) if (owner.member === this.id) delete state.owned[key]
        this.rebalanceLocked(state)
      })
    } finally {
      fs.rmSync(this.store.aliveFile(this.id), {force: true})
      this.alive?.close()
    }
  }

  /** Touches the liveness file: a heartbeat for shared filesystems where locks cannot be probed. */
  heartbeat(): void {
    const now = new Date()
    try {
      fs.utimesSync(this.store.aliveFile(this.id), now, now)
    } catch {
      // deleted by a member that reaped us: the next plan() sees it and joins again with a new file
    }
  }

  state(): GroupState {
    let stamp: bigint
    try {
      // Every write replaces the file (a new inode): the mtime alone can repeat within a clock tick.
      const stat = fs.statSync(this.store.statePath, {bigint: true})
      stamp = stat.mtimeNs ^ (stat.ino << 64n) ^ (stat.size << 128n)
    } catch {
      stamp = -2n
    }
    if (this.cachedState === undefined || stamp !== this.stateStamp) {
      this.cachedState = this.store.readState()
      this.stateStamp = stamp
    }
    return this.cachedState
  }

  /** Caller holds the lock. New generation, new target assignment. */
  private rebalanceLocked(state: GroupState): void {
    const subscriptions = this.computeSubscriptions(state)
    for (const [id, topics] of Object.entries(subscriptions)) state.members[id].subscribed = topics
    const counts = this.partitionCounts(state)
    const strategy: Strategy = state.protocol ?? 'sticky'
    const previous: Record<string, string[]> = {}
    for (const [key, owner] of Object.entries(state.owned)) (previous[owner.member] ??= []).push(key)
    for (const [id, keys] of Object.entries(state.target)) if (previous[id] === undefined) previous[id] = keys
    state.generation += 1
    state.target = assign(strategy, {subscriptions, partitionCounts: counts, previous})
    for (const id of Object.keys(state.target)) state.target[id].sort(compareTpKeys)
    this.store.writeStateLocked(state)
  }

  private computeSubscriptions(state: GroupState): Record<string, string[]> {
    const existing = this.log.listTopics()
    const result: Record<string, string[]> = {}
    for (const [id, member] of Object.entries(state.members)) {
      const topics = new Set(member.topics.filter((t) => existing.includes(t)))
      if (member.pattern !== null) {
        const pattern = new RegExp(member.pattern)
        for (const topic of existing) if (pattern.test(topic)) topics.add(topic)
      }
      result[id] = [...topics].sort()
    }
    return result
  }

  private partitionCounts(state: GroupState): Record<string, number> {
    const counts: Record<string, number> = {}
    for (const member of Object.values(state.members)) {
      for (const topic of member.subscribed.length > 0 ? member.subscribed : member.topics) {
        if (counts[topic] !== undefined) continue
        try {
          counts[topic] = this.log.topics.read(topic).partitions
        } catch {
          // deleted topic: nothing to assign
        }
      }
    }
    for (const topics of Object.values(this.computeSubscriptions(state))) {
      for (const topic of topics) {
        if (counts[topic] !== undefined) continue
        try {
          counts[topic] = this.log.topics.read(topic).partitions
        } catch {
          // deleted between listing and reading
        }
      }
    }
    return counts
  }
}

function newMemberId(): string {
  return `${os.hostname().replace(/[^a-zA-Z0-9.-]/g, '') || 'host'}-${process.pid}-${randomHex(4)}`
}

export type {MemberInfo}
