/**
 * Torture: `log verify` while compaction swaps segments. A compaction replaces segments under the
 * cleaner lock in steps (cleaned files written, a swap record, renames, deletions); a verify that
 * looks in the middle must not report that transient state as a fault (it once reported a segment
 * overlap, 1 run of 73). Each round overwrites every key, then runs `log compact` and several
 * `log verify` at once; every verify must exit 0.
 */
import {describe, expect, it} from 'vitest'
import {strom, tmpLogDir} from '../helpers/strom.js'

const ROUNDS = Number(process.env.STROM_TORTURE_VERIFY_ROUNDS ?? 15)

describe('torture: log verify during compaction', () => {
  it(`${ROUNDS} rounds of compaction with concurrent verifies: never a fault reported on a sound log`, async () => {
    const dir = tmpLogDir()
    const created = await strom(dir, ['topic', 'create', 'kv', '--partitions', '2', '--config', 'cleanup.policy=compact', '--config', 'segment.bytes=4096', '--config', 'min.cleanable.dirty.ratio=0.01'])
    expect(created.exitCode, created.stderr).toBe(0)
    let verifies = 0
    for (let round = 0; round < ROUNDS; round++) {
      const input = Array.from({length: 3000}, (_, i) => `k${i % 97}:r${round}-${i}`).join('\n') + '\n'
      const produced = await strom(dir, ['produce', 'kv', '-K:', '--batch-size', '1024'], {input})
      expect(produced.exitCode, produced.stderr).toBe(0)
      const delayed = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)).then(() => strom(dir, ['log', 'verify', 'kv']))
      const [compacted, ...checks] = await Promise.all([strom(dir, ['log', 'compact', 'kv']), delayed(0), delayed(40), delayed(120)])
      expect(compacted.exitCode, compacted.stderr).toBe(0)
      for (const check of checks) {
        expect(check.exitCode, `round ${round}: ${check.stdout}${check.stderr}`).toBe(0)
        verifies++
      }
    }
    const final = await strom(dir, ['log', 'verify', 'kv'])
    expect(final.exitCode, final.stdout).toBe(0)
    process.stdout.write(`torture/verify-during-compaction: ${ROUNDS} compactions, ${verifies} concurrent verifies, 0 faults reported\n`)
  }, 300_000)
})
