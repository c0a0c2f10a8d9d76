/**
 * OffsetCommit into the group's offsets.json, the same file `strom consume --group` commits to.
 * A member's commit is fenced twice: Kafka's generation check, then strom's ownership check (only
 * partitions the member still owns in state.json). A commit without a generation (-1, from a
 * client that assigns partitions itself) is accepted only while the group has no live members,
 * as Kafka accepts it only for an Empty group.
 */
import {commitOffsets} from '../../core/groups/commits.js'
import {GroupStore, OffsetCommit} from '../../core/groups/group-store.js'
import {validateName} from '../../core/names.js'
import {ERR, errorMessage, kafkaErrorCode} from '../protocol/error-codes.js'
import {OffsetCommitRequest, decodeRequest, encodeResponse} from '../protocol/messages/offset-commit.js'
import type {ServerContext} from '../context.js'
import type {Handler} from './types.js'

const MAX_METADATA_BYTES = 4096
const OFFSET_METADATA_TOO_LARGE = 12

export const handleOffsetCommit: Handler = (ctx, request, reader, writer) => {
  const version = request.header.apiVersion
  const req = decodeRequest(reader, version)
  const codes = commit(ctx, req)
  encodeResponse(writer, version, {
    topics: req.topics.map((t) => ({name: t.name, partitions: t.partitions.map((p) => ({partitionIndex: p.partitionIndex, errorCode: codes.get(`${t.name}:${p.partitionIndex}`) ?? ERR.NONE}))})),
  })
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
      if (!Number.isSafeInteger(p.committedOffset) || p.committedOffset < 0) codes.set(key, ERR.INVALID_COMMIT_OFFSET_SIZE)
      else if (Buffer.byteLength(p.committedMetadata ?? '') > MAX_METADATA_BYTES) codes.set(key, OFFSET_METADATA_TOO_LARGE)
      else commits.push({topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.committedMetadata ?? ''})
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
