import {describe, expect, it} from 'vitest'
import {strom, tmpLogDir} from '../helpers/strom.js'

describe('tailing in the terminal', () => {
  it('--grep and --key filter before formatting; --invert-match flips them', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'app', '--partitions', '3'])
    await strom(dir, ['produce', 'app', '-K:'], {input: 'a:ERROR disk\nb:ok\na:ok again\nc:ERROR net\n'})
    const grep = await strom(dir, ['consume', 'app', '--grep', '^ERROR', '-F', '%k %v\\n'])
    expect(grep.stdout.trim().split('\n').sort()).toEqual(['a ERROR disk', 'c ERROR net'])
    const key = await strom(dir, ['consume', 'app', '--key', 'a'])
    expect(key.stdout).toBe('ERROR disk\nok again\n')
    const both = await strom(dir, ['consume', 'app', '--key', 'a', '--grep', 'ok'])
    expect(both.stdout).toBe('ok again\n')
    const inverted = await strom(dir, ['consume', 'app', '--grep', 'ERROR', '--invert-match'])
    expect(inverted.stdout.trim().split('\n').sort()).toEqual(['ok', 'ok again'])
    expect((await strom(dir, ['consume', 'app', '--grep', '('])).exitCode).toBe(2)
  })

  it('--merge time interleaves several topics by record timestamp', async () => {
    const dir = tmpLogDir()
    for (const t of ['api', 'web']) await strom(dir, ['topic', 'create', t, '--partitions', '2'])
    const at = (s: number) => Date.parse('2026-05-01T00:00:00Z') + s * 1000
    await strom(dir, ['produce', 'api', '--json'], {input: [1, 4, 5, 9].map((s, i) => JSON.stringify({value: `api@${s}`, timestamp: at(s), partition: i % 2})).join('\n')})
    await strom(dir, ['produce', 'web', '--json'], {input: [2, 3, 6, 8].map((s, i) => JSON.stringify({value: `web@${s}`, timestamp: at(s), partition: i % 2})).join('\n')})
    const merged = await strom(dir, ['consume', 'api', 'web', '--merge', 'time', '-F', '%t %v\\n'])
    expect(merged.stdout).toBe('api api@1\nweb web@2\nweb web@3\napi api@4\napi api@5\nweb web@6\nweb web@8\napi api@9\n')
  })

  it('piped output never has colour codes; --pretty aligns without colour when NO_COLOR is set', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'p'])
    await strom(dir, ['produce', 'p', '-K:'], {input: 'k:v1\n:v2\n'})
    const plain = await strom(dir, ['consume', 'p'], {env: {FORCE_COLOR: '3'}})
    expect(plain.stdout).toBe('v1\nv2\n')
    const pretty = await strom(dir, ['consume', 'p', '--pretty'])
    expect(pretty.stdout).not.toMatch(/\u001b\[/)
    expect(pretty.stdout).toMatch(/^ 0\s+0 k v1\n 0\s+1 {2}v2\n$/)
    for (const args of [['topic', 'list'], ['topic', 'describe', 'p'], ['group', 'list']]) {
      expect((await strom(dir, args, {env: {FORCE_COLOR: '3'}})).stdout).not.toMatch(/\u001b\[/)
    }
  })
})
