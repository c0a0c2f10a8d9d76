/**
 * A request whose body strom encoded itself, in the shape kafkajs' connection pool sends: kafkajs
 * adds the header and framing, and reads the answer with `response`.
 */
import {createRequire} from 'node:module'

const require = createRequire(import.meta.url)
const Encoder = require('kafkajs/src/protocol/encoder') as new (initialSize?: number) => {writeBufferInternal(value: Buffer): void}

export interface RawResponse<T> {
  decode(raw: Buffer): Promise<unknown>
  parse(decoded: never): Promise<T>
}

export interface RawRequest<T> {
  request: {apiKey: number; apiVersion: number; apiName: string; expectResponse(): boolean; encode(): Promise<unknown>}
  response: RawResponse<T>
}

export function rawRequest<T>(apiKey: number, apiVersion: number, apiName: string, body: Buffer, response: RawResponse<T>, expectResponse = true): RawRequest<T> {
  return {
    request: {
      apiKey,
      apiVersion,
      apiName,
      expectResponse: () => expectResponse,
      encode: async () => {
        const encoder = new Encoder(body.length)
        encoder.writeBufferInternal(body)
        return encoder
      },
    },
    response,
  }
}
