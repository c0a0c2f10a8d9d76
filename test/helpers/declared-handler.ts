/**
 * Calls a handler of a declared API (src/protocol/apis) with hand-encoded request body bytes and
 * returns the encoded response body, as the server's dispatch does: the tests that build requests
 * byte by byte (captured shapes of real clients) keep checking the bytes on the wire.
 */
import {API_BY_KEY} from '../../src/protocol/apis/index.js'
import {decode, encode} from '../../src/protocol/schema.js'
import type {ServerContext} from '../../src/server/context.js'
import type {ApiHandler, RequestContext} from '../../src/server/handlers/types.js'
import {Reader} from '../../src/server/protocol/reader.js'
import {Writer} from '../../src/server/protocol/writer.js'

export async function callDeclared(handler: ApiHandler, ctx: ServerContext, request: RequestContext, body: Buffer): Promise<Reader> {
  const {apiKey, apiVersion} = request.header
  const schema = API_BY_KEY.get(apiKey)
  if (schema === undefined) throw new Error(`API ${apiKey} is not declared`)
  const response = await handler(ctx, request, decode(schema.request, body, apiVersion))
  const writer = encode(schema.response, response ?? {}, apiVersion, new Writer())
  return new Reader(Buffer.from(writer.toBuffer()))
}
