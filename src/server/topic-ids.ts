/**
 * Topic ids (KIP-516) for the APIs that name topics by id (Metadata v10+, Fetch v13+). strom's log
 * directory keeps no ids, so a topic's id is derived from its name: stable across restarts and
 * the same for every client, without a file to keep. (A topic deleted and created again gets the
 * same id; clients use ids to notice that, which strom therefore does not tell them.)
 */
import {createHash} from 'node:crypto'
import type {ServerContext} from './context.js'

/** Ids already derived, both ways: Fetch v13+ names its topics by id in every request. */
const idByName = new Map<string, string>()
const nameById = new Map<string, string>()
/** Beyond this many names (clients may name any number of topics that do not exist) the memo starts over. */
const MEMO_LIMIT = 100_000

export function topicIdOf(name: string): string {
  let id = idByName.get(name)
  if (id === undefined) {
    id = createHash('sha256').update(`strom topic ${name}`).digest('hex').slice(0, 32)
    if (idByName.size >= MEMO_LIMIT) {
      idByName.clear()
      nameById.clear()
    }
    idByName.set(name, id)
    nameById.set(id, name)
  }
  return id
}

/**
 * The topic name for an id, or undefined when no topic has that id. An id seen before costs one
 * stat (is its topic still there?); an unknown one, a listing of the topics.
 */
export function topicNameOf(ctx: ServerContext, id: string): string | undefined {
  const known = nameById.get(id)
  if (known !== undefined && topicExists(ctx, known)) return known
  return ctx.log.listTopics().find((name) => topicIdOf(name) === id)
}

function topicExists(ctx: ServerContext, name: string): boolean {
  try {
    return ctx.topics.get(name) !== undefined
  } catch {
    return false // a name Kafka rejects: never a topic
  }
}
