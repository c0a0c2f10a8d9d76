/**
 * OffsetCommit into the group's offsets.json, the same file `strom consume --group` commits to.
 * A member's commit is fenced twice: Kafka's generation check, then strom's ownership check (only
 * partitions the member still owns in state.json). A commit without a generation (-1, from a
 * client that assigns partitions itself) is accepted only while the group has no live members,
 * as Kafka accepts it only for an Empty group.
 *
 * Offsets -2 and -1 (earliest, latest) are what kafkajs's admin.resetOffsets / setOffsets commit
 * through a consumer; Kafka stores them and the next consumer resolves them. offsets.json holds
 * real offsets only (strom consumers read it too), so they are resolved here, at commit time, to
 * the partition's log start or end.
 */
import {commitOffsets} from '../../core/groups/commits.js'
import {GroupStore, OffsetCommit} from '../../core/groups/group-store.js'
import {validateName} from '../../core/names.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import type {ServerContext} from '../context.js'
import type {ApiHandler} from './types.js'

interface OffsetCommitRequest {
  groupId: string
  generationId: number
  memberId: string
  topics: Array<{name: string; partitions: Array<{partitionIndex: number; committedOffset: number; committedMetadata: string | null}>}>
}

const MAX_METADATA_BYTES = 4096
const OFFSET_METADATA_TOO_LARGE = 12
const EARLIEST = -2
const LATEST = -1

export const handleOffsetCommit: ApiHandler = (ctx, _request, body) => {
  const req = body as OffsetCommitRequest
  const codes = commit(ctx, req)
  return {
    topics: req.topics.map((t) => ({name: t.name, partitions: t.partitions.map((p) => ({partitionIndex: p.partitionIndex, errorCode: codes.get(`${t.name}:${p.partitionIndex}`) ?? ERR.NONE}))})),
  }
}

function commit(ctx: ServerContext, req: OffsetCommitRequest): Map<string, number> {
  const codes = new Map<string, number>()
  const all = (code: number): Map<string, number> => {
    for (const t of req.topics) for (const p of t.partitions) codes.set(`${t.name}:${p.partitionIndex}`, code)
    return codes
  }
  try {
    validateName('group', req.groupId)
  } catch {
    return all(ERR.INVALID_GROUP_ID)
  }
  const commits: OffsetCommit[] = []
  for (const t of req.topics) {
    for (const p of t.partitions) {
      const key = `${t.name}:${p.partitionIndex}`
      const offset = p.committedOffset === EARLIEST || p.committedOffset === LATEST ? resolveSentinel(ctx, t.name, p.partitionIndex, p.committedOffset) : p.committedOffset
      if (offset === undefined) codes.set(key, ERR.UNKNOWN_TOPIC_OR_PARTITION)
      else if (!Number.isSafeInteger(offset) || offset < 0) codes.set(key, ERR.INVALID_COMMIT_OFFSET_SIZE)
      else if (Buffer.byteLength(p.committedMetadata ?? '') > MAX_METADATA_BYTES) codes.set(key, OFFSET_METADATA_TOO_LARGE)
      else commits.push({topic: t.name, partition: p.partitionIndex, offset, metadata: p.committedMetadata ?? ''})
    }
  }
  if (commits.length === 0) return codes
  try {
    if (req.generationId < 0 && req.memberId === '') {
      const store = new GroupStore(ctx.log.dir, req.groupId)
      if (ctx.groups.hasMembers(req.groupId) || (store.exists() && store.liveMembers().length > 0)) return all(ERR.UNKNOWN_MEMBER_ID)
      commitOffsets(ctx.log.dir, req.groupId, commits)
      return codes
    }
    const committer = ctx.groups.committer(req.groupId, req.generationId, req.memberId)
    if (committer.proxy === undefined) return all(committer.errorCode)
    for (const rejected of committer.proxy.commit(commits)) codes.set(`${rejected.topic}:${rejected.partition}`, ERR.ILLEGAL_GENERATION)
  } catch (error) {
    ctx.options.log(`group ${req.groupId}: commit failed: ${errorMessage(error)}`)
    return all(kafkaErrorCode(error))
  }
  return codes
}

/** The log start (-2) or end (-1) of the partition now; undefined when it does not exist. */
function resolveSentinel(ctx: ServerContext, topicName: string, partition: number, sentinel: number): number | undefined {
  try {
    const topic = ctx.topics.get(topicName)
    if (topic === undefined || partition < 0 || partition >= topic.partitions) return undefined
    const reader = topic.reader(partition)
    return sentinel === EARLIEST ? reader.logStartOffset() : reader.endOffset()
  } catch {
    return undefined
  }
}
