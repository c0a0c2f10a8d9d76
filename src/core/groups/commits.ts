/**
 * Committed offsets of a group, for other parts of strom (serve, retention holds, describe).
 * A commit is a read-modify-write of offsets.json under the group lock, so concurrent committers
 * never lose each other's updates. A fenced commit is accepted only for partitions the member
 * still owns in the group state (a member that lost a partition cannot move its offset).
 */
import {StromError} from '../errors.js'
import {GroupStore, OffsetCommit, OffsetsByTopic} from './group-store.js'

export function readCommittedOffsets(logDir: string, group: string): OffsetsByTopic {
  return new GroupStore(logDir, group).readOffsets()
}

export interface CommitResult {
  accepted: OffsetCommit[]
  rejected: OffsetCommit[]
}

export function commitOffsets(logDir: string, group: string, commits: OffsetCommit[], fence?: {memberId: string}): CommitResult {
  const store = new GroupStore(logDir, group)
  return commitWithStore(store, commits, fence)
}

export function commitWithStore(store: GroupStore, commits: OffsetCommit[], fence?: {memberId: string}): CommitResult {
  for (const commit of commits) {
    if (!Number.isSafeInteger(commit.offset) || commit.offset < 0) throw new StromError('INVALID_OFFSET', `cannot commit offset ${commit.offset} for ${commit.topic}/${commit.partition}`)
  }
  return store.withLock(() => {
    let accepted = commits
    let rejected: OffsetCommit[] = []
    if (fence !== undefined) {
      const state = store.readState()
      accepted = commits.filter((c) => state.owned[`${c.topic}:${c.partition}`]?.member === fence.memberId)
      rejected = commits.filter((c) => !accepted.includes(c))
    }
    if (accepted.length > 0) store.writeOffsetsLocked(accepted)
    return {accepted, rejected}
  })
}
