/**
 * The shape every handler has: decode the request body from `reader`, do the work, encode the
 * response body into `writer` (which already holds the response header). A handler that must not
 * answer (Produce with acks=0) sets `request.noResponse`.
 */
import type {SaslSession} from '../auth/sasl-session.js'
import type {PartitionCursor} from '../../core/partition/partition-reader.js'
import type {Topic} from '../../core/log.js'
import type {ServerContext} from '../context.js'
import type {RequestHeader} from '../protocol/header.js'
import type {Reader} from '../protocol/reader.js'
import type {Writer} from '../protocol/writer.js'
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
}

export interface RequestContext {
  header: RequestHeader
  connection: ConnectionState
  noResponse: boolean
}

export type Handler = (ctx: ServerContext, request: RequestContext, reader: Reader, writer: Writer) => void | Promise<void>

/**
 * A handler for a declared API (src/protocol/apis): it gets the decoded request and returns the
 * response object, which dispatch encodes for the request's version; undefined = no response.
 */
export type ApiHandler = (ctx: ServerContext, request: RequestContext, body: Struct) => Struct | undefined | Promise<Struct | undefined>
