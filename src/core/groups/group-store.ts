/**
 * A consumer group's files. Every mutation happens under the group's LOCK (an OS lock), as a
 * read-modify-write of small JSON files replaced atomically, so concurrent processes never lose
 * each other's updates and a crash leaves the old or the new version.
 *
 *   <dir>/groups/<group>/LOCK                 permanent lock file
 *   <dir>/groups/<group>/state.json           {"version":2,"generation":N,"protocol":"sticky",
 *                                              "members":{id:{pid,host,startedMs,topics,pattern,strategy}},
 *                                              "target":{id:["topic:p",...]},
 *                                              "owned":{"topic:p":{"member":id,"generation":N}},
 *                                              "crc32c":"8 hex digits"}
 *   <dir>/groups/<group>/offsets.json         {"version":2,"offsets":{topic:{partition:
 *                                              {"offset":N,"metadata":"","commitTimestamp":ms}}},
 *                                              "crc32c":"8 hex digits"}
 *                                             offset = the next offset to consume, as in Kafka;
 *                                             crc32c: see group-files.ts (version 1 files have none)
 *   <dir>/groups/<group>/members/<id>.alive   liveness token: its member holds an OS lock on it for
 *                                             its whole life (freed by the kernel when it dies) and
 *                                             touches it as a heartbeat
 *   <dir>/groups/<group>/resets/<time>.json   journal of executed `offsets reset`, for `offsets undo`
 */
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../errors.js'
import {GROUP_FILE_VERSION, readGroupFile, writeGroupFile} from './group-files.js'
import {validateOffsets, validateState} from './group-validate.js'
import {FileLock, fileLockFor} from '../io/file-lock.js'
import {validateName} from '../names.js'
import type {Strategy} from './assignors.js'

export interface MemberInfo {
  pid: number
  host: string
  startedMs: number
  topics: string[]
  pattern: string | null
  strategy: Strategy
  /** Resolved subscription at the last rebalance. */
  subscribed: string[]
  clientId?: string
}

export interface GroupState {
  version: number
  generation: number
  protocol: Strategy | null
  members: Record<string, MemberInfo>
  target: Record<string, string[]>
  owned: Record<string, {member: string; generation: number}>
}

export interface CommittedOffset {
  offset: number
  metadata: string
  commitTimestamp: number
}

export type OffsetsByTopic = Record<string, Record<string, CommittedOffset>>

export interface OffsetCommit {
  topic: string
  partition: number
  offset: number
  metadata?: string
}

export const GROUP_STATE_VERSION = GROUP_FILE_VERSION

export function emptyState(): GroupState {
  return {version: GROUP_STATE_VERSION, generation: 0, protocol: null, members: {}, target: {}, owned: {}}
}

export class GroupStore {
  readonly groupDir: string
  readonly lock: FileLock

  constructor(readonly logDir: string, readonly group: string) {
    this.groupDir = path.join(logDir, 'groups', validateName('group', group))
    this.lock = fileLockFor(path.join(this.groupDir, 'LOCK'))
  }

  static groupsDir(logDir: string): string {
    return path.join(logDir, 'groups')
  }

  static list(logDir: string): string[] {
    try {
      return fs.readdirSync(GroupStore.groupsDir(logDir)).filter((name) => fs.existsSync(path.join(GroupStore.groupsDir(logDir), name, 'LOCK'))).sort()
    } catch {
      return []
    }
  }

  exists(): boolean {
    return fs.existsSync(path.join(this.groupDir, 'LOCK'))
  }

  /** Throws UNKNOWN_GROUP when the group has never been used. */
  requireExists(): void {
    if (!this.exists()) {
      throw new StromError('UNKNOWN_GROUP', `group '${this.group}' does not exist in ${this.logDir}`, {hint: 'list groups with `strom group list`'})
    }
  }

  ensure(): void {
    fs.mkdirSync(path.join(this.groupDir, 'members'), {recursive: true})
    fs.closeSync(fs.openSync(path.join(this.groupDir, 'LOCK'), 'a'))
  }

  get statePath(): string {
    return path.join(this.groupDir, 'state.json')
  }

  get offsetsPath(): string {
    return path.join(this.groupDir, 'offsets.json')
  }

  aliveFile(memberId: string): string {
    return path.join(this.groupDir, 'members', `${memberId}.alive`)
  }

  /** Throws CORRUPT_GROUP_FILE (naming the file and the fix) when state.json is damaged. */
  readState(): GroupState {
    return readGroupFile(this.statePath, 'state', this.group, validateState) ?? emptyState()
  }

  /** Caller holds the lock. */
  writeStateLocked(state: GroupState): void {
    state.version = GROUP_STATE_VERSION
    writeGroupFile(this.statePath, state)
  }

  /** Throws CORRUPT_GROUP_FILE when offsets.json is damaged: never "no offsets", which would skip or repeat data. */
  readOffsets(): OffsetsByTopic {
    return readGroupFile(this.offsetsPath, 'offsets', this.group, validateOffsets) ?? {}
  }

  committed(topic: string, partition: number, offsets = this.readOffsets()): CommittedOffset | undefined {
    return offsets[topic]?.[String(partition)]
  }

  /** Caller holds the lock. Merges commits into offsets.json. */
  writeOffsetsLocked(commits: OffsetCommit[], now = Date.now()): void {
    const offsets = this.readOffsets()
    for (const commit of commits) {
      const byPartition = (offsets[commit.topic] ??= {})
      byPartition[String(commit.partition)] = {offset: commit.offset, metadata: commit.metadata ?? '', commitTimestamp: now}
    }
    writeGroupFile(this.offsetsPath, {version: GROUP_FILE_VERSION, offsets})
  }

  /** Caller holds the lock. Replaces all offsets (used by offsets reset/undo). */
  replaceOffsetsLocked(offsets: OffsetsByTopic): void {
    writeGroupFile(this.offsetsPath, {version: GROUP_FILE_VERSION, offsets})
  }

  withLock<T>(work: () => T): T {
    this.ensure()
    return this.lock.withLock(work)
  }

  /**
   * Is this member's process alive? First its liveness lock: free means its holder is gone (the
   * kernel frees it the moment the process dies). A held lock is trusted only while the member's
   * heartbeat (the file's mtime) is fresher than the session timeout, measured against a time the
   * same filesystem just assigned: on a network filesystem a dead client's lock can outlive it.
   */
  isMemberAlive(memberId: string): boolean {
    const file = this.aliveFile(memberId)
    let mtimeMs: number
    try {
      mtimeMs = fs.statSync(file).mtimeMs
    } catch {
      return false
    }
    const probe = new FileLock(file)
    try {
      if (probe.tryAcquire()) {
        probe.release()
        return false
      }
    } catch {
      return false
    } finally {
      probe.close()
    }
    return this.filesystemNowMs() - mtimeMs <= this.sessionTimeoutMs
  }

  /** How long a member may go without a heartbeat before it counts as dead (Kafka's session.timeout.ms). */
  sessionTimeoutMs = 45_000
  private clockCache: {readAtMs: number; fsNowMs: number} | undefined

  private filesystemNowMs(): number {
    const now = Date.now()
    if (this.clockCache !== undefined && now - this.clockCache.readAtMs < 1000) return this.clockCache.fsNowMs + (now - this.clockCache.readAtMs)
    const clock = path.join(this.groupDir, '.clock')
    try {
      fs.writeFileSync(clock, '')
      const fsNowMs = fs.statSync(clock).mtimeMs
      this.clockCache = {readAtMs: now, fsNowMs}
      return fsNowMs
    } catch {
      return now
    }
  }

  /** Caller holds the lock. Removes members whose process is gone; returns their ids. */
  reapDeadMembersLocked(state: GroupState, exceptMember?: string): string[] {
    const dead = Object.keys(state.members).filter((id) => id !== exceptMember && !this.isMemberAlive(id))
    for (const id of dead) {
      delete state.members[id]
      delete state.target[id]
      for (const [key, owner] of Object.entries(state.owned)) if (owner.member === id) delete state.owned[key]
      fs.rmSync(this.aliveFile(id), {force: true})
    }
    return dead
  }

  liveMembers(state = this.readState()): string[] {
    return Object.keys(state.members).filter((id) => this.isMemberAlive(id))
  }
}
