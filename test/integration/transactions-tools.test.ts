/**
 * The tooling around transactions, through the real bin/run.js: consume --isolation-level, log dump
 * and log verify of markers and .txnindex files, and log clean finishing transactions. The
 * transactional data is made by a small node script on the built library (dist/), as a program
 * using strom's TransactionalProducer would.
 */
import {execa} from 'execa'
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, ROOT, spawnStrom, strom, tmpLogDir, waitFor} from '../helpers/strom.js'
import {startServe} from './serve-harness.js'

const DIST = path.join(ROOT, 'dist')

/** Runs `body` in a node process with `log` (openLog on dir) and `TransactionalProducer` in scope. */
async function txnScript(dir: string, body: string): Promise<void> {
  const source = `
    import {openLog} from ${JSON.stringify(path.join(DIST, 'core', 'log.js'))}
    import {TransactionalProducer} from ${JSON.stringify(path.join(DIST, 'core', 'txn', 'transactional-producer.js'))}
    import {Producer} from ${JSON.stringify(path.join(DIST, 'core', 'producer.js'))}
    const log = openLog({dir: ${JSON.stringify(dir)}})
    const send = (tx, value, partition = 0) => tx.send('out', {key: null, value, partition})
    ${body}
  `
  const result = await execa('node', ['--input-type=module', '-e', source], {reject: false})
  if (result.exitCode !== 0) throw new Error(`txn script failed: ${result.stderr}`)
}

/**
 * Partition 0 of `out`: plain (0), c1 c2 (1, 2) COMMIT (3), a1 (4) ABORT (5), c3 (6) COMMIT (7).
 */
async function committedAndAborted(dir: string): Promise<void> {
  await strom(dir, ['topic', 'create', 'out'])
  await txnScript(dir, `
    const plain = new Producer(log.topic('out'))
    plain.send({key: null, value: 'plain'})
    plain.flush()
    const tx = TransactionalProducer.init(log, {transactionalId: 'etl'})
    tx.begin(); send(tx, 'c1'); send(tx, 'c2'); tx.commit()
    tx.begin(); send(tx, 'a1'); tx.producerFor('out').flush(); tx.abort()
    tx.begin(); send(tx, 'c3'); tx.commit()
    tx.close()
  `)
}

/**
 * A producer process that writes 'pending' in a transaction and keeps it open until `go` exists,
 * then commits; resolves once the transaction is open (to the process wrapped: a bare execa
 * result is a thenable, which an async function would wait for).
 */
async function openTransaction(dir: string, go: string): Promise<{process: ReturnType<typeof execa>}> {
  const holder = execa('node', ['--input-type=module', '-e', `
    import fs from 'node:fs'
    import {openLog} from ${JSON.stringify(path.join(DIST, 'core', 'log.js'))}
    import {TransactionalProducer} from ${JSON.stringify(path.join(DIST, 'core', 'txn', 'transactional-producer.js'))}
    const log = openLog({dir: ${JSON.stringify(dir)}})
    const tx = TransactionalProducer.init(log, {transactionalId: 'slow'})
    tx.begin(); tx.send('out', {key: null, value: 'pending', partition: 0}); tx.producerFor('out').flush()
    console.log('open')
    const wait = () => fs.existsSync(${JSON.stringify(go)}) ? (tx.commit(), tx.close()) : setTimeout(wait, 20)
    wait()
  `], {reject: false})
  // 'open' is printed once the record is appended (the state says Ongoing a little before).
  let said = ''
  holder.stdout!.on('data', (chunk: Buffer) => (said += chunk.toString()))
  await waitFor(() => said.includes('open') || holder.exitCode !== null, 15_000)
  if (!said.includes('open')) throw new Error(`the transactional producer did not start: ${String((await holder).stderr)}`)
  return {process: holder}
}

const values = (stdout: string) => stdout.split('\n').filter(Boolean)

describe('consume --isolation-level', () => {
  it('read_committed leaves out aborted transactions; read_uncommitted (the default) shows them', async () => {
    const dir = tmpLogDir()
    await committedAndAborted(dir)
    const uncommitted = await strom(dir, ['consume', 'out'])
    expect(uncommitted.exitCode, uncommitted.stderr).toBe(0)
    expect(values(uncommitted.stdout)).toEqual(['plain', 'c1', 'c2', 'a1', 'c3'])
    expect(values((await strom(dir, ['consume', 'out', '--isolation-level', 'read_uncommitted'])).stdout)).toEqual(['plain', 'c1', 'c2', 'a1', 'c3'])
    const committed = await strom(dir, ['consume', 'out', '--isolation-level', 'read_committed', '-F', '%o %v\n'])
    expect(committed.exitCode, committed.stderr).toBe(0)
    expect(values(committed.stdout)).toEqual(['0 plain', '1 c1', '2 c2', '6 c3'])
    // The time-merged reader filters the same way.
    expect(values((await strom(dir, ['consume', 'out', '--isolation-level', 'read_committed', '--merge', 'time'])).stdout)).toEqual(['plain', 'c1', 'c2', 'c3'])
  })

  it('read_committed in a group: members see committed data only, and commit past the aborted records', async () => {
    const dir = tmpLogDir()
    await committedAndAborted(dir)
    const first = await strom(dir, ['consume', 'out', '--group', 'g', '--isolation-level', 'read_committed'])
    expect(first.exitCode, first.stderr).toBe(0)
    expect(values(first.stdout)).toEqual(['plain', 'c1', 'c2', 'c3'])
    const described = JSON.parse((await strom(dir, ['group', 'describe', 'g', '--json'])).stdout)
    // The position moved past the last COMMIT marker: nothing left to read (lag 0), as Kafka's consumer.
    expect(described.partitions[0]).toMatchObject({committed: 8, end: 8, lag: 0})
  })

  it('read_committed stops at an open transaction (the last stable offset) and goes on once it commits', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'out'])
    await strom(dir, ['produce', 'out'], {input: 'before\n'})
    const go = path.join(dir, 'go')
    const holder = (await openTransaction(dir, go)).process
    await strom(dir, ['produce', 'out'], {input: 'after\n'})
    expect(values((await strom(dir, ['consume', 'out', '--isolation-level', 'read_committed'])).stdout)).toEqual(['before'])
    expect(values((await strom(dir, ['consume', 'out'])).stdout)).toEqual(['before', 'pending', 'after'])
    // A follower waits at the open transaction and prints the rest once it commits.
    const follower = spawnStrom(dir, ['consume', 'out', '--isolation-level', 'read_committed', '-f', '-n', '3'])
    let seen = ''
    follower.stdout!.on('data', (chunk: Buffer) => (seen += chunk.toString()))
    await waitFor(() => seen.includes('before'), 15_000)
    fs.writeFileSync(go, '')
    const followed = await follower
    expect(values(String(followed.stdout))).toEqual(['before', 'pending', 'after'])
    expect((await holder).exitCode).toBe(0)
  })

  it('a group member with read_committed waits at an open transaction and commits no further than it', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'out'])
    await strom(dir, ['produce', 'out'], {input: 'before\n'})
    const go = path.join(dir, 'go')
    const holder = (await openTransaction(dir, go)).process
    await strom(dir, ['produce', 'out'], {input: 'after\n'})
    const bounded = await strom(dir, ['consume', 'out', '--group', 'g', '--isolation-level', 'read_committed'])
    expect(values(bounded.stdout)).toEqual(['before'])
    expect(JSON.parse((await strom(dir, ['group', 'describe', 'g', '--json'])).stdout).partitions[0].committed).toBe(1)
    const member = spawnStrom(dir, ['consume', 'out', '--group', 'g', '--isolation-level', 'read_committed', '-f', '-n', '2'])
    // Once it owns the partition (it then sits at offset 1, the open transaction), the transaction commits.
    await waitFor(async () => JSON.parse((await strom(dir, ['group', 'describe', 'g', '--json'])).stdout).partitions[0].owner !== null, 15_000, 100)
    fs.writeFileSync(go, '')
    expect(values(String((await member).stdout))).toEqual(['pending', 'after'])
    expect((await holder).exitCode).toBe(0)
  })

  it('read_committed through --bootstrap-server (strom serve here): committed records only, plain and as a group', async () => {
    const dir = tmpLogDir()
    await committedAndAborted(dir)
    const serve = await startServe(dir)
    const consume = (args: string[]) => execa('node', [BIN, 'consume', 'out', ...args, '--bootstrap-server', serve.bootstrap], {reject: false, env: {NO_COLOR: '1'}})
    const committed = await consume(['--isolation-level', 'read_committed'])
    const group = await consume(['--isolation-level', 'read_committed', '--group', 'g'])
    const uncommitted = await consume(['--isolation-level', 'read_uncommitted'])
    await serve.stop()
    expect(committed.exitCode, committed.stderr).toBe(0)
    expect(String(committed.stdout).split('\n').filter(Boolean)).toEqual(['plain', 'c1', 'c2', 'c3'])
    expect(group.exitCode, group.stderr).toBe(0)
    expect(String(group.stdout).split('\n').filter(Boolean)).toEqual(['plain', 'c1', 'c2', 'c3'])
    expect(String(uncommitted.stdout).split('\n').filter(Boolean)).toEqual(['plain', 'c1', 'c2', 'a1', 'c3'])
  })

  it('rejects an unknown level', async () => {
    const result = await strom(tmpLogDir(), ['consume', 'out', '--isolation-level', 'committed'])
    expect(result.exitCode).not.toBe(0)
    expect(result.stderr).toMatch(/read_committed/)
  })
})

const segmentFile = (dir: string, suffix: string) => path.join(dir, 'topics', 'out', '0', `00000000000000000000${suffix}`)

describe('log dump', () => {
  it('shows markers (COMMIT/ABORT with producer id and epoch) and the transactional flag, in text and --json', async () => {
    const dir = tmpLogDir()
    await committedAndAborted(dir)
    const text = await strom(dir, ['log', 'dump', 'out', '--records'])
    expect(text.exitCode, text.stderr).toBe(0)
    const batchLines = text.stdout.split('\n').filter((l) => l.startsWith('baseOffset:'))
    expect(batchLines).toHaveLength(7)
    expect(batchLines[0]).toMatch(/producerId: -1 producerEpoch: -1 isTransactional: false isControl: false$/)
    expect(batchLines[1]).toMatch(/baseOffset: 1 lastOffset: 2 .*producerId: \d+ producerEpoch: 0 isTransactional: true isControl: false$/)
    expect(batchLines[2]).toMatch(/baseOffset: 3 .*isTransactional: true isControl: true endTxnMarker: COMMIT coordinatorEpoch: 0$/)
    expect(batchLines[4]).toMatch(/baseOffset: 5 .*isControl: true endTxnMarker: ABORT coordinatorEpoch: 0$/)
    expect(text.stdout).toMatch(/^\| offset: 5 timestamp: \d+ endTxnMarker: ABORT keyVersion: 0 coordinatorEpoch: 0$/m)
    const json = (await strom(dir, ['log', 'dump', 'out', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l))
    const producerId = json[1].producerId
    expect(producerId).toBeGreaterThan(0)
    expect(json.map((b) => [b.baseOffset, b.isTransactional, b.isControl, b.marker?.type ?? null])).toEqual([
      [0, false, false, null], [1, true, false, null], [3, true, true, 'COMMIT'], [4, true, false, null], [5, true, true, 'ABORT'], [6, true, false, null], [7, true, true, 'COMMIT'],
    ])
    expect(json[4]).toMatchObject({producerId, producerEpoch: 0, marker: {type: 'ABORT', coordinatorEpoch: 0, problem: null}})
  })

  it('dumps a .txnindex file: one line per aborted transaction', async () => {
    const dir = tmpLogDir()
    await committedAndAborted(dir)
    const producerId = JSON.parse(fs.readFileSync(path.join(dir, 'transactions', 'etl', 'state.json'), 'utf8')).producerId
    const file = segmentFile(dir, '.txnindex')
    const text = await strom(dir, ['log', 'dump', '--file', file])
    expect(text.exitCode, text.stderr).toBe(0)
    expect(text.stdout).toBe(`Dumping ${file}\nversion: 0 producerId: ${producerId} firstOffset: 4 lastOffset: 5 lastStableOffset: 6\n`)
    const json = await strom(dir, ['log', 'dump', '--file', file, '--json'])
    expect(JSON.parse(json.stdout)).toEqual({type: 'abortedTxn', segment: 0, version: 0, producerId, firstOffset: 4, lastOffset: 5, lastStableOffset: 6})
    // A torn last entry is shown as such.
    fs.appendFileSync(file, Buffer.alloc(10))
    expect((await strom(dir, ['log', 'dump', '--file', file])).stdout).toMatch(/^DAMAGED position: 34 bytes: 10 reason: 10 trailing bytes are shorter than an entry/m)
  })
})

describe('log verify', () => {
  it('accepts sound transactional data', async () => {
    const dir = tmpLogDir()
    await committedAndAborted(dir)
    const result = await strom(dir, ['log', 'verify'])
    expect(result.exitCode, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toBe('')
  })

  it('reports malformed markers, .txnindex entries that name no ABORT marker of their producer, and damaged transaction state files', async () => {
    const dir = tmpLogDir()
    await committedAndAborted(dir)
    const producerId = JSON.parse(fs.readFileSync(path.join(dir, 'transactions', 'etl', 'state.json'), 'utf8')).producerId
    // Offset 8: a control batch whose marker type is 7; then entries naming a COMMIT marker (3), a
    // data batch (2), and the ABORT marker (5) under another producer.
    await txnScript(dir, `
      const {BatchBuilder, stampProducer} = await import(${JSON.stringify(path.join(DIST, 'core', 'format', 'record-batch.js'))})
      const {encodeAbortedTxn} = await import(${JSON.stringify(path.join(DIST, 'core', 'txn', 'txn-index.js'))})
      const fs = await import('node:fs')
      const builder = new BatchBuilder(256)
      builder.add(Buffer.from([0, 0, 0, 7]), Buffer.from([0, 0, 0, 0, 0, 0]), Date.now())
      const batch = Buffer.from(builder.seal())
      stampProducer(batch, {producerId: ${producerId}, producerEpoch: 0, baseSequence: -1, transactional: true, control: true})
      log.topic('out').writer(0).append(batch)
      const index = ${JSON.stringify(segmentFile(dir, '.txnindex'))}
      for (const [first, last, pid] of [[1, 3, ${producerId}], [2, 2, ${producerId}], [4, 5, ${producerId} + 1]]) {
        fs.appendFileSync(index, encodeAbortedTxn({producerId: pid, firstOffset: first, lastOffset: last, lastStableOffset: last + 1}))
      }
    `)
    const state = path.join(dir, 'transactions', 'etl', 'state.json')
    fs.writeFileSync(state, fs.readFileSync(state, 'utf8').replace(/"timeoutMs": *\d+/, '"timeoutMs":1'))
    const result = await strom(dir, ['log', 'verify'])
    expect(result.exitCode).toBe(1)
    const lines = result.stdout.trim().split('\n')
    expect(lines).toEqual([
      expect.stringMatching(/^out\/0 00000000000000000000\.log byte \d+ offset 8: control batch is not a well-formed transaction marker: its marker type is 7 \(0 ABORT or 1 COMMIT expected\)$/),
      `out/0 00000000000000000000.txnindex byte 34 offset 3: aborted-transaction index entry 1 (producer ${producerId}, offsets 1..3) names the marker at offset 3, which is a COMMIT, not an ABORT`,
      `out/0 00000000000000000000.txnindex byte 68 offset 2: aborted-transaction index entry 2 (producer ${producerId}, offsets 2..2) names offset 2, which holds no transaction marker in this segment`,
      `out/0 00000000000000000000.txnindex byte 102 offset 5: aborted-transaction index entry 3 (producer ${producerId + 1}, offsets 4..5) names the marker at offset 5, which belongs to producer ${producerId}`,
      expect.stringMatching(/^transaction etl: .*state\.json is damaged: checksum mismatch .*; to fix: stop the producers using this transactional id, then move the file aside/),
    ])
    expect(result.stderr).toMatch(/transaction state files: 1 damaged/)
    const json = JSON.parse((await strom(dir, ['log', 'verify', '--json'])).stdout)
    expect(json.faults.map((f: {kind: string}) => f.kind)).toEqual(['marker', 'txnindex', 'txnindex', 'txnindex'])
    expect(json.transactionFaults).toHaveLength(1)
  })
})

describe('log repair', () => {
  it('rebuilds a .txnindex that verify rejects from the markers in the log: the entries the coordinator wrote, and read_committed hides the aborted records again', async () => {
    const dir = tmpLogDir()
    await committedAndAborted(dir)
    const index = segmentFile(dir, '.txnindex')
    const original = fs.readFileSync(index)
    // The one entry (the ABORT at 5) now names the COMMIT at 3, and a torn entry follows.
    const damaged = Buffer.from(original)
    damaged.writeInt8(3, 25)
    fs.writeFileSync(index, Buffer.concat([damaged, Buffer.alloc(10, 1)]))
    expect((await strom(dir, ['log', 'verify'])).exitCode).toBe(1)
    const repair = await strom(dir, ['log', 'repair', '--yes'])
    expect(repair.exitCode, repair.stderr).toBe(0)
    expect(repair.stdout).toContain('out/0: rebuilt the aborted-transaction index (.txnindex) of segment(s) 0 from the markers in the log')
    expect(fs.readFileSync(index)).toEqual(original)
    const verify = await strom(dir, ['log', 'verify'])
    expect(verify.exitCode, verify.stdout).toBe(0)
    expect(values((await strom(dir, ['consume', 'out', '--isolation-level', 'read_committed'])).stdout)).toEqual(['plain', 'c1', 'c2', 'c3'])
    expect(fs.readdirSync(path.dirname(index)).filter((f) => f.endsWith('.rebuild'))).toEqual([])
  })
})

describe('log clean finishes transactions', () => {
  it('aborts the transaction of a producer that died, completes a decided one, and says how many on stderr', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'out'])
    // Two producers that exit without closing: one mid-transaction, one after its commit point
    // (PrepareCommit written, markers not yet).
    await txnScript(dir, `
      const dead = TransactionalProducer.init(log, {transactionalId: 'dead'})
      dead.begin(); send(dead, 'lost'); dead.producerFor('out').flush()
      const {TransactionFiles} = await import(${JSON.stringify(path.join(DIST, 'core', 'txn', 'txn-store.js'))})
      const decided = TransactionalProducer.init(log, {transactionalId: 'decided'})
      decided.begin(); send(decided, 'kept'); decided.producerFor('out').flush()
      const files = new TransactionFiles(log.dir, 'decided')
      files.withLock(() => files.write({...files.read(), state: 'PrepareCommit'}))
      process.exit(0)
    `)
    const dry = await strom(dir, ['log', 'clean', '--dry-run'])
    expect(dry.exitCode, dry.stderr).toBe(0)
    expect(dry.stderr).toMatch(/would finish 2 incomplete transaction\(s\)/)
    const clean = await strom(dir, ['log', 'clean'])
    expect(clean.exitCode, clean.stderr).toBe(0)
    expect(clean.stderr).toMatch(/^finished 2 incomplete transaction\(s\): aborted where the producer died or the timeout passed/m)
    const state = (id: string) => JSON.parse(fs.readFileSync(path.join(dir, 'transactions', id, 'state.json'), 'utf8')).state
    expect([state('dead'), state('decided')]).toEqual(['CompleteAbort', 'CompleteCommit'])
    const markers = (await strom(dir, ['log', 'dump', 'out', '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((b) => b.isControl).map((b) => b.marker.type)
    expect(markers.sort()).toEqual(['ABORT', 'COMMIT'])
    expect(values((await strom(dir, ['consume', 'out', '--isolation-level', 'read_committed'])).stdout)).toEqual(['kept'])
    expect((await strom(dir, ['log', 'verify'])).exitCode).toBe(0)
    // Nothing left to finish: nothing said about transactions.
    const again = await strom(dir, ['log', 'clean', '--json'])
    expect(JSON.parse(again.stdout).transactionsFinished).toBe(0)
    expect((await strom(dir, ['log', 'clean'])).stderr).not.toMatch(/transaction/)
  })

  it('a damaged transaction state file is reported but does not stop cleaning', async () => {
    const dir = tmpLogDir()
    await committedAndAborted(dir)
    fs.writeFileSync(path.join(dir, 'transactions', 'etl', 'state.json'), '{"version":1,')
    const clean = await strom(dir, ['log', 'clean'])
    expect(clean.exitCode, clean.stderr).toBe(0)
    expect(clean.stderr).toMatch(/^warning: transactions were not finished: .*state\.json is damaged: not valid JSON/m)
  })
})
