/**
 * `strom serve` under hostile and heavy use, with a bare-socket client: random and mutated frames
 * never crash it nor change the log; unsupported requests get UNSUPPORTED_VERSION on a connection
 * that stays open; 200 connections at once (half producing, half fetching) lose nothing; SIGTERM
 * acknowledges nothing it has not written; a dozen connections announcing 99 MiB requests and
 * sending part of them hold at most --max-pending-request-bytes of its memory.
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {encodeBatch, isBatchCrcValid} from '../../src/core/format/record-batch.js'
import {Reader} from '../../src/server/protocol/reader.js'
import {Writer} from '../../src/server/protocol/writer.js'
import {strom, tmpLogDir} from '../helpers/strom.js'
import {KCAT, RawClient, describeWithClients, kcat, requestFrame, startServe} from './serve-harness.js'

const FIXTURES = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'unit', 'server', 'fixtures')

function produceBody(topic: string, partition: number, batch: Buffer, acks = 1): Buffer {
  const w = new Writer()
  w.string(null).int16(acks).int32(5000)
  w.array([0], (tw) => tw.string(topic).array([0], (pw) => pw.int32(partition).bytes(batch)))
  return Buffer.from(w.toBuffer())
}

function fetchBody(topic: string, offsets: number[], maxWaitMs: number): Buffer {
  const w = new Writer()
  w.int32(-1).int32(maxWaitMs).int32(1).int32(50 * 1024 * 1024).int8(0)
  w.array([0], (tw) => tw.string(topic).array(offsets.map((o, p) => [p, o]), (pw, [p, o]) => pw.int32(p).int64(o).int32(1024 * 1024)))
  return Buffer.from(w.toBuffer())
}

/** Fetch v4 response → per partition: records in the returned batches and the next offset. */
function readFetchResponse(frame: Buffer): Array<{partition: number; errorCode: number; records: number; next: number}> {
  const r = new Reader(frame, 4)
  r.int32()
  const out: Array<{partition: number; errorCode: number; records: number; next: number}> = []
  r.array((tr) => {
    tr.string()
    tr.array((pr) => {
      const partition = pr.int32()
      const errorCode = pr.int16()
      pr.int64()
      pr.int64()
      pr.nullableArray((ar) => [ar.int64(), ar.int64()])
      const records = pr.bytes()
      let count = 0
      let next = -1
      for (let at = 0; at + 61 <= records.length; at += records.readInt32BE(at + 8) + 12) {
        count += records.readInt32BE(at + 57)
        next = records.readInt32BE(at) * 2 ** 32 + records.readUInt32BE(at + 4) + records.readInt32BE(at + 23) + 1
      }
      out.push({partition, errorCode, records: count, next})
    })
  })
  return out
}

function snapshot(dir: string): string {
  const hash = crypto.createHash('sha256')
  const walk = (d: string): void => {
    for (const entry of fs.readdirSync(d, {withFileTypes: true}).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(d, entry.name)
      if (entry.isDirectory()) walk(full)
      else if (!entry.name.endsWith('.lock')) hash.update(full).update(fs.readFileSync(full))
    }
  }
  walk(path.join(dir, 'topics'))
  return hash.digest('hex')
}

describe('strom serve robustness', () => {
  it('answers unsupported APIs and versions with UNSUPPORTED_VERSION and keeps the connection; refuses oversized frames unread', async () => {
    const serve = await startServe(tmpLogDir(), ['--max-request-bytes', '65536'])
    try {
      const client = new RawClient(serve.port)
      await client.connected()
      const v9 = await client.request(requestFrame(18, 9, 1, Buffer.alloc(0)))
      expect([v9.readInt32BE(0), v9.readInt16BE(4)]).toEqual([1, 35])
      expect(v9.readInt32BE(6)).toBeGreaterThan(10)
      const unknownApi = await client.request(requestFrame(50, 0, 2, Buffer.alloc(0)))
      expect([unknownApi.readInt32BE(0), unknownApi.readInt16BE(4)]).toEqual([2, 35])
      const oldProduce = await client.request(requestFrame(0, 2, 3, Buffer.alloc(0)))
      expect(oldProduce.readInt16BE(4)).toBe(35)
      const v0 = await client.request(requestFrame(18, 0, 4, Buffer.alloc(0)))
      expect([v0.readInt32BE(0), v0.readInt16BE(4)]).toEqual([4, 0])
      // Four zero bytes: a frame of size 0 with nothing after it (this once crashed the server).
      const empty = new RawClient(serve.port)
      await empty.connected()
      empty.socket.write(Buffer.alloc(4))
      await empty.closed
      expect(serve.stderr()).toMatch(/malformed request: request truncated: .*; closing it/)
      const huge = Buffer.alloc(4)
      huge.writeInt32BE(10 * 1024 * 1024)
      client.socket.write(huge)
      await client.closed
      expect(serve.stderr()).toMatch(/request size 10485760 bytes is above the maximum of 65536; closing it/)
      const again = new RawClient(serve.port)
      await again.connected()
      expect((await again.request(requestFrame(18, 0, 5, Buffer.alloc(0)))).readInt32BE(0)).toBe(5)
      again.close()
    } finally {
      await serve.stop()
    }
  })

  it('survives thousands of random and mutated frames without crashing or changing the log', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['produce', 'fuzzed', '--create', '--partitions', '2', '-K:'], {input: Array.from({length: 200}, (_, i) => `k${i}:value ${i}`).join('\n') + '\n'})
    const before = snapshot(dir)
    const serve = await startServe(dir, ['--no-auto-create', '--quiet'])
    const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.bin')).map((f) => fs.readFileSync(path.join(FIXTURES, f)))
    let seed = 42
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return seed % n
    }
    const frame = (): Buffer => {
      const kind = random(5)
      if (kind === 0) return crypto.randomBytes(1 + random(200))
      if (kind === 1) {
        const body = crypto.randomBytes(random(100))
        return requestFrame(random(70), random(12), random(1000), body)
      }
      const base = Buffer.from(fixtures[random(fixtures.length)])
      // Produce frames are mutated only inside their record batch, where the CRC catches it: a
      // mutated partition number or topic could otherwise be a valid produce to an existing topic.
      const isProduce = base.readInt16BE(4) === 0
      const from = isProduce ? base.length - 60 : 4
      const mutated = Buffer.from(base)
      for (let i = 0, n = 1 + random(4); i < n; i++) mutated[from + random(mutated.length - from)] = random(256)
      if (kind === 3) return mutated.subarray(0, random(mutated.length))
      if (kind === 4 && !isProduce) mutated.writeInt32BE(random(2) === 0 ? mutated.length - 4 + random(3) - 1 : -random(100), 0)
      return mutated
    }
    let sent = 0
    const deadline = Date.now() + 8000
    const worker = async () => {
      let client = new RawClient(serve.port)
      await client.connected()
      while (Date.now() < deadline && sent < 4000) {
        sent++
        const closed = await Promise.race([client.request(frame(), 150).then(() => false, () => true), client.closed.then(() => true)])
        if (closed || client.socket.destroyed) {
          client.close()
          client = new RawClient(serve.port)
          await client.connected()
        }
      }
      client.close()
    }
    await Promise.all(Array.from({length: 16}, worker))
    console.log(`fuzz: ${sent} frames sent`)
    expect(sent).toBeGreaterThan(1000)
    const check = new RawClient(serve.port)
    await check.connected()
    expect((await check.request(requestFrame(18, 0, 77, Buffer.alloc(0)))).readInt32BE(0)).toBe(77)
    check.close()
    expect(serve.process.exitCode).toBeNull()
    const {exitCode} = await serve.stop()
    expect(exitCode).toBe(143)
    expect(snapshot(dir)).toBe(before)
    const verify = await strom(dir, ['log', 'verify'])
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
  })

  it('serves 200 connections at once, half producing and half fetching, and loses nothing', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'busy', '--partitions', '4'])
    const serve = await startServe(dir, ['--quiet'])
    const rssKb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${serve.process.pid}/status`, 'utf8'))?.[1] ?? 0)
    const PRODUCERS = 100
    const REQUESTS = 20
    const RECORDS = 10
    const expected = PRODUCERS * REQUESTS * RECORDS
    const value = Buffer.alloc(100, 'x')
    try {
      const producers = Array.from({length: PRODUCERS}, async (_, i) => {
        const client = new RawClient(serve.port)
        await client.connected()
        for (let r = 0; r < REQUESTS; r++) {
          const batch = encodeBatch(Array.from({length: RECORDS}, (_, k) => ({key: Buffer.from(`p${i}`), value, headers: [{key: 'n', value: Buffer.from(String(k))}]})))
          const response = await client.request(requestFrame(0, 3, r, produceBody('busy', (i + r) % 4, batch)))
          expect(response.readInt16BE(4 + 4 + 2 + 4 + 4 + 4)).toBe(0)
        }
        client.close()
      })
      let maxFetched = 0
      const fetchers = Array.from({length: PRODUCERS}, async () => {
        const client = new RawClient(serve.port)
        await client.connected()
        const offsets = [0, 0, 0, 0]
        let seen = 0
        const until = Date.now() + 40_000
        while (seen < expected && Date.now() < until) {
          for (const p of readFetchResponse(await client.request(requestFrame(1, 4, 0, fetchBody('busy', offsets, 200))))) {
            expect(p.errorCode).toBe(0)
            if (p.next >= 0) offsets[p.partition] = p.next
            seen += p.records
          }
        }
        maxFetched = Math.max(maxFetched, seen)
        client.close()
        return seen
      })
      const started = Date.now()
      await Promise.all(producers)
      const seen = await Promise.all(fetchers)
      console.log(`200 connections: ${expected} records produced and fetched by each of ${PRODUCERS} fetchers in ${Date.now() - started} ms; server RSS ${Math.round(rssKb() / 1024)} MiB`)
      expect(seen.every((n) => n === expected)).toBe(true)
      expect(rssKb()).toBeLessThan(300 * 1024)
    } finally {
      await serve.stop()
    }
    const count = await strom(dir, ['consume', 'busy'])
    expect(count.stdout.split('\n').length - 1).toBe(expected)
    expect((await strom(dir, ['log', 'verify'])).exitCode).toBe(0)
  })

  it('pipelined fetches to a client that stops reading while another reads everything: every answer is intact (read buffers are recycled only once the socket has taken them)', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'big', '--partitions', '4'])
    // Two topics of 4 partitions of 12,000 records of 300 B (3.6 MB each): distinct bytes everywhere,
    // so a buffer recycled too early shows as a CRC mismatch or a wrong offset in an answer still queued.
    await strom(dir, ['topic', 'create', 'other', '--partitions', '4'])
    for (let p = 0; p < 4; p++) {
      for (const topic of ['big', 'other']) {
        const lines = Array.from({length: 12_000}, (_, i) => `${topic}:${p}:${i}:`.padEnd(300, String.fromCharCode(97 + ((i + p) % 26)))).join('\n') + '\n'
        // Batches of 16 KiB (a Kafka producer's default), several per 64 KiB read buffer.
        expect((await strom(dir, ['produce', topic, '--partition', String(p), '--batch-size', '16384'], {input: lines})).exitCode).toBe(0)
      }
    }
    const serve = await startServe(dir)
    const client = new RawClient(serve.port)
    await client.connected()
    try {
      client.socket.pause()
      // Twelve fetches of 1 MiB per partition, each from other offsets: 48 MB of answers queue up
      // behind a socket nobody reads.
      const starts = Array.from({length: 12}, (_, i) => (i * 997) % 9000)
      const answers = starts.map((start, i) => client.request(requestFrame(1, 4, 100 + i, fetchBody('big', [start, start + 1, start + 2, start + 3], 0)), 60_000))
      await new Promise((resolve) => setTimeout(resolve, 1000))
      // Meanwhile another connection reads another topic, twice: its reads take buffers from the
      // pool the stalled answers' buffers would be in, had they been given back before being sent.
      const other = new RawClient(serve.port)
      await other.connected()
      for (let round = 0; round < 2; round++) {
        const offsets = [0, 0, 0, 0]
        while (offsets.some((offset) => offset < 12_000)) {
          const parts = readFetchResponse(await other.request(requestFrame(1, 4, 1, fetchBody('other', offsets, 0))))
          for (const part of parts) if (part.next > 0) offsets[part.partition] = part.next
        }
      }
      other.close()
      client.socket.resume()
      const frames = await Promise.all(answers)
      frames.forEach((frame, i) => {
        const r = new Reader(frame, 4)
        r.int32()
        r.array((tr) => {
          tr.string()
          tr.array((pr) => {
            const partition = pr.int32()
            expect(pr.int16()).toBe(0)
            pr.int64()
            pr.int64()
            pr.nullableArray((ar) => [ar.int64(), ar.int64()])
            const records = pr.bytes()
            // Batches in order from the fetch offset's batch on, each with a valid CRC.
            let expected = -1
            let at = 0
            for (; at + 61 <= records.length; at += records.readInt32BE(at + 8) + 12) {
              const size = records.readInt32BE(at + 8) + 12
              if (at + size > records.length) break
              expect(isBatchCrcValid(records, at, size), `answer ${i}, partition ${partition}, byte ${at}`).toBe(true)
              const base = Number(records.readBigInt64BE(at))
              if (expected === -1) expect(base).toBeLessThanOrEqual(starts[i] + partition)
              else expect(base).toBe(expected)
              expected = base + records.readInt32BE(at + 23) + 1
            }
            expect(expected).toBeGreaterThan(starts[i] + partition)
          })
        })
      })
    } finally {
      client.close()
      await serve.stop()
    }
  })

  it('SIGTERM: every acknowledged produce is in the log, and the server exits 143', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'stopping'])
    const serve = await startServe(dir)
    const client = new RawClient(serve.port)
    await client.connected()
    let acked = 0
    const requests = Array.from({length: 200}, (_, r) =>
      client.request(requestFrame(0, 3, r, produceBody('stopping', 0, encodeBatch([{key: null, value: Buffer.from(`m${r}`)}]))), 10_000).then((response) => {
        if (response.readInt16BE(18) === 0) acked++
      }, () => {}),
    )
    await new Promise((resolve) => setTimeout(resolve, 5))
    const stopped = serve.stop('SIGTERM')
    await Promise.all(requests)
    const {exitCode, stderr} = await stopped
    expect(exitCode).toBe(143)
    expect(stderr).toContain('stopped')
    const written = (await strom(dir, ['consume', 'stopping'])).stdout.split('\n').length - 1
    console.log(`SIGTERM: ${acked} of 200 pipelined produces acknowledged, ${written} in the log`)
    expect(written).toBeGreaterThanOrEqual(acked)
    expect(acked).toBeGreaterThan(0)
  })
})

describeWithClients('strom serve memory held by unfinished requests', [KCAT], () => {
  it('12 connections each announcing a 99 MiB request and sending 60 MiB of it: RSS stays under 400 MiB and kcat -L is answered', async () => {
    const serve = await startServe(tmpLogDir())
    const status = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${serve.process.pid}/status`, 'utf8'))?.[1] ?? 0)
    const before = status('VmRSS')
    const body = Buffer.alloc(60 * 1024 * 1024, 1)
    const clients: RawClient[] = []
    try {
      const sent = Array.from({length: 12}, async () => {
        const client = new RawClient(serve.port)
        clients.push(client)
        await client.connected()
        const size = Buffer.alloc(4)
        size.writeInt32BE(99 * 1024 * 1024)
        client.socket.write(size)
        // Settled once the kernel has taken all 60 MiB (the server read them) or the server closed the connection.
        await new Promise<void>((resolve) => {
          client.socket.write(body, () => resolve())
          void client.closed.then(() => resolve())
        })
      })
      await Promise.all(sent)
      const listed = await kcat(['-b', serve.bootstrap, '-L', '-m', '10'])
      expect(listed.exitCode, listed.stderr).toBe(0)
      expect(listed.stdout).toContain('1 brokers')
      const peak = status('VmHWM')
      console.log(`unfinished 99 MiB requests on 12 connections: server RSS ${Math.round(before / 1024)} MiB before, peak ${Math.round(peak / 1024)} MiB, now ${Math.round(status('VmRSS') / 1024)} MiB`)
      expect(peak).toBeLessThan(400 * 1024)
      expect(serve.stderr()).toMatch(/request of 99\.0 MiB does not fit in --max-pending-request-bytes \(198\.0 MiB of 256\.0 MiB held by requests being received or handled\); closing it/)
    } finally {
      for (const client of clients) client.close()
      await serve.stop()
    }
  })

  it('refuses a --max-pending-request-bytes below --max-request-bytes', async () => {
    const result = await strom(tmpLogDir(), ['serve', '--listen', '127.0.0.1:0', '--max-request-bytes', '4096', '--max-pending-request-bytes', '2048'])
    expect(result.exitCode).not.toBe(0)
    expect(result.stderr).toContain('--max-pending-request-bytes 2048 is below --max-request-bytes 4096')
  })
})
