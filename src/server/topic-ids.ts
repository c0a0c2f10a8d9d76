/**
 * Topic ids (KIP-516) for the APIs that name topics by id (Metadata v10+, Fetch v13+). strom's log
 * directory keeps no ids, so a topic's id is derived from its name: stable across restarts and
 * the same for every client, without a file to keep. (A topic deleted and created again gets the
 * same id; clients use ids to notice that, which strom therefore does not tell them.)
 */
import {createHash} from 'node:crypto'
import type {ServerContext} from './context.js'

export function topicIdOf(name: string): string {
  return createHash('sha256').update(`strom topic ${name}`).digest('hex').slice(0, 32)
}

/** The topic name for an id, or undefined when no topic has that id. */
export function topicNameOf(ctx: ServerContext, id: string): string | undefined {
  return ctx.log.listTopics().find((name) => topicIdOf(name) === id)
}
