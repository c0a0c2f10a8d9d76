/**
 * Torture, part 2: bit flips and truncations at random positions of closed and active segments
 * (`log verify` must find every one; `log repair` must restore a log that verifies, with the cut
 * bytes in quarantine and the valid batches after the damage put back), and a full disk (a small tmpfs when the test may mount one, else a
 * real ENOSPC from the LD_PRELOAD shim, see test/helpers/full-disk.ts).
 */
import fs from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, describe, expect, it} from 'vitest'
import {openLog} from '../../src/core/log.js'
import {partitionRefs} from '../../src/core/maintenance/partition-ref.js'
import {repairPartition} from '../../src/core/maintenance/repair.js'
import {verifyPartition} from '../../src/core/maintenance/verify.js'
import {Producer} from '../../src/core/producer.js'
import {segmentPaths} from '../../src/core/segment/segment.js'
import {scanBatches} from '../../src/core/segment/batch-scan.js'
import {listSegmentBases} from '../../src/core/partition/partition-files.js'
import {type FullDisk, openFullDisk} from '../helpers/full-disk.js'
import {BIN, strom, tmpLogDir} from '../helpers/strom.js'

const FAULTS = 60

function buildLog(): string {
  const dir = tmpLogDir()
  const log = openLog({dir, onWarning: () => {}})
  const topic = log.createTopic('t', {config: {'segment.bytes': '8192', 'index.interval.bytes': '512'}})
  const producer = new Producer(topic, {batchBytes: 600})
  for (let i = 0; i < 1500; i++) producer.send({key: `k${i % 13}`, value: `message number ${i}`, headers: i % 3 === 0 ? [{key: 'h', value: Buffer.from('x')}] : undefined})
  producer.close()
  return dir
}

function batchBoundaries(file: string): Set<number> {
  const fd = fs.openSync(file, 'r')
  const starts = new Set<number>([0])
  scanBatches(fd, 0, fs.fstatSync(fd).size, {verifyCrc: false, onBatch: (b) => void starts.add(b.position + b.sizeBytes)})
  fs.closeSync(fd)
  return starts
}

describe('torture: damaged segments', () => {
  it(`${FAULTS} random bit flips and truncations: verify finds each one, repair restores a valid log and quarantines the cut bytes`, async () => {
    const template = buildLog()
    const bases = listSegmentBases(path.join(template, 'topics', 't', '0'))
    expect(bases.length).toBeGreaterThan(3)
    let flips = 0
    let cuts = 0
    let detected = 0
    let repaired = 0
    let quarantinedBytes = 0
    for (let i = 0; i < FAULTS; i++) {
      const dir = tmpLogDir()
      fs.cpSync(template, dir, {recursive: true})
      const log = openLog({dir, onWarning: () => {}})
      const ref = partitionRefs(log.topic('t'))[0]
      // Alternate between the closed segments and the active (last) one.
      const base = i % 3 === 0 ? bases.at(-1)! : bases[Math.floor(Math.random() * (bases.length - 1))]
      const file = segmentPaths(ref.partitionDir, base).log
      const original = fs.readFileSync(file)
      let damaged: Buffer
      if (i % 2 === 0) {
        const at = Math.floor(Math.random() * original.length)
        damaged = Buffer.from(original)
        damaged[at] ^= 1 << Math.floor(Math.random() * 8)
        flips++
      } else {
        // A cut exactly at a batch boundary leaves a shorter log that is valid: nothing to detect there.
        const boundaries = batchBoundaries(file)
        let at = 1 + Math.floor(Math.random() * (original.length - 1))
        while (boundaries.has(at)) at++
        damaged = original.subarray(0, at)
        cuts++
      }
      fs.writeFileSync(file, damaged)
      const useCli = i < 4
      const faults = useCli ? (await strom(dir, ['log', 'verify', 't'])) : verifyPartition(ref).faults
      if (useCli) {
        const result = faults as {exitCode: number; stdout: string}
        expect(result.exitCode, `fault ${i}`).toBe(1)
        expect(result.stdout).toMatch(new RegExp(`^t/0 ${path.basename(file)} byte \\d+`, 'm'))
      } else {
        expect((faults as unknown[]).length, `fault ${i} in segment ${base} not found`).toBeGreaterThan(0)
      }
      detected++
      const cutAt = verifyPartition(ref, {holdingWriteLock: true}).segments.find((s) => s.baseOffset === base)!.validEnd
      if (useCli) {
        const repair = await strom(dir, ['log', 'repair', 't', '--yes'])
        expect(repair.exitCode, repair.stderr).toBe(0)
        expect((await strom(dir, ['log', 'verify', 't'])).exitCode).toBe(0)
      } else {
        const result = repairPartition(ref)
        expect(result.faultsAfter, `fault ${i}`).toEqual([])
      }
      expect(verifyPartition(ref).faults).toEqual([])
      // Kept: everything before the damage, then (put back by repair) a run of the valid batches
      // that followed it, byte for byte.
      const repairedFile = fs.readFileSync(file)
      expect(repairedFile.subarray(0, cutAt)).toEqual(damaged.subarray(0, cutAt))
      const putBack = repairedFile.subarray(cutAt)
      if (putBack.length > 0) expect(damaged.subarray(cutAt).indexOf(putBack), `fault ${i}`).toBeGreaterThan(0)
      const quarantine = path.join(dir, 'quarantine', 't', '0')
      const bins = fs.readdirSync(quarantine).filter((n) => n.endsWith('.bin'))
      expect(bins).toHaveLength(1)
      expect(fs.readFileSync(path.join(quarantine, bins[0]))).toEqual(damaged.subarray(cutAt))
      quarantinedBytes += damaged.length - cutAt
      repaired++
      fs.rmSync(dir, {recursive: true, force: true})
    }
    process.stdout.write(`torture/corruption: ${FAULTS} faults injected (${flips} bit flips, ${cuts} truncations), ${detected} detected by verify, ${repaired} repaired to a valid log, ${quarantinedBytes} bytes quarantined and checked\n`)
  }, 90_000)
})

describe('torture: full disk', () => {
  let disk: FullDisk | undefined
  afterAll(() => disk?.close())

  it('produce fails with a clear message and non-zero exit; the log stays valid and everything before is readable', async () => {
    disk = openFullDisk(1024 * 1024)
    const dir = path.join(disk.dir, 'log')
    const env = disk.env()
    fs.mkdirSync(dir)
    await strom(dir, ['topic', 'create', 'full'], {env})
    let input = ''
    for (let i = 1; i <= 200_000; i++) input += `line ${i} ${'x'.repeat(20)}\n`
    const produced = await execa('node', [BIN, 'produce', 'full', '--batch-size', '16384', '--dir', dir], {input, reject: false, env: {NO_COLOR: '1', ...env}})
    expect(produced.exitCode).toBe(1)
    // The message wraps to the width of the error box, between any two words (the path varies).
    expect(produced.stderr).toMatch(/no[\s›]+space[\s›]+left[\s›]+on[\s›]+device/)
    expect(produced.stderr).toMatch(/ENOSPC/)
    expect(produced.stderr).not.toMatch(/\n\s+at /)
    const verify = await strom(dir, ['log', 'verify', 'full'], {env})
    expect(verify.exitCode, verify.stdout + verify.stderr).toBe(0)
    const out = await strom(dir, ['consume', 'full'], {env})
    expect(out.exitCode, out.stderr).toBe(0)
    const got = out.stdout.split('\n').filter(Boolean)
    expect(got.length).toBeGreaterThan(1000)
    got.forEach((line, i) => {
      if (line !== `line ${i + 1} ${'x'.repeat(20)}`) throw new Error(`message ${i} is '${line}'`)
    })
    process.stdout.write(`torture/full-disk: ${disk.kind === 'tmpfs' ? 'tmpfs of 1 MiB' : 'LD_PRELOAD ENOSPC shim of 1 MiB'}; ${got.length} messages written before the disk filled, all readable in order\n`)
  }, 60_000)
})
