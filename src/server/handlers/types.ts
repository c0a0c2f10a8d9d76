/**
 * The shape every handler has (ApiHandler): the request decoded from its API's declaration in,
 * the response object out, which dispatch encodes. A handler that must not answer (Produce with
 * acks=0) sets `request.noResponse`.
 */
import type {SaslSession} from '../auth/sasl-session.js'
import type {PartitionCursor} from '../../core/partition/partition-reader.js'
import type {Topic} from '../../core/log.js'
import type {ServerContext} from '../context.js'
import type {RequestHeader} from '../protocol/header.js'
import type {Struct} from '../../protocol/schema.js'

/** Per-connection state handlers may keep (fetch cursors, so a consumer's next fetch continues where the last one ended). */
export interface ConnectionState {
  readonly id: number
  readonly clientHost: string
  /** Aborted when the connection closes or the server shuts down (ends long polls). */
  readonly signal: AbortSignal
  readonly cursors: Map<string, {topic: Topic; cursor: PartitionCursor; readBytes: number}>
  readonly sasl: SaslSession
  /** Set by a handler whose answer must be the last on this connection (failed authentication): the reason, for the log. */
  closeAfterResponse?: string
  /**
   * Run once the socket has taken the answer to the request being handled, or once it is dropped
   * (no answer, a closed connection): a Fetch answer's record chunks are pooled buffers, given back here.
   */
  readonly afterResponse: Array<() => void>
}

export interface RequestContext {
  header: RequestHeader
  connection: ConnectionState
  noResponse: boolean
}

/**
 * A handler for a declared API (src/protocol/apis): it gets the decoded request and returns the
 * response object, which dispatch encodes for the request's version; undefined = no response.
 */
export type ApiHandler = (ctx: ServerContext, request: RequestContext, body: Struct) => Struct | undefined | Promise<Struct | undefined>
