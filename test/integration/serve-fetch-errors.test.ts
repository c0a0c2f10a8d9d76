/**
 * Fetch errors as librdkafka (kcat) meets them: a position below the log start or past the end
 * is OFFSET_OUT_OF_RANGE with an empty records field, which the client answers by resetting its
 * position (auto.offset.reset), not by fetching again at once; a consumer waiting on an empty
 * topic costs the server next to no CPU.
 */
import {execa} from 'execa'
import fs from 'node:fs'
import {expect, it} from 'vitest'
import {strom, tmpLogDir, waitFor} from '../helpers/strom.js'
import {KCAT, describeWithClients, kcat, startServe} from './serve-harness.js'

/** The server's user+system CPU time so far, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')
  return Number(fields[11]) + Number(fields[12])
}

const TICKS_PER_SECOND = 100

describeWithClients('strom serve fetch errors', [KCAT], () => {
  it('a group whose committed offset fell below the log start resets to the earliest offset and reads on', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['produce', 'trimmed', '--create'], {input: Array.from({length: 100}, (_, i) => `m${i}`).join('\n') + '\n'})
    expect((await strom(dir, ['consume', 'trimmed', '-G', 'stale', '-n', '10'])).exitCode).toBe(0)
    expect((await strom(dir, ['log', 'delete-records', 'trimmed', '-p', '0', '--before', '50'])).exitCode).toBe(0)
    const serve = await startServe(dir)
    try {
      const result = await kcat(['-b', serve.bootstrap, '-G', 'stale', '-X', 'auto.offset.reset=earliest', '-e', '-q', '-f', '%s\n', 'trimmed'], undefined, 30_000)
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stdout.trim().split('\n')).toEqual(Array.from({length: 50}, (_, i) => `m${50 + i}`))
      expect(result.stderr).not.toContain('MessageSetSize')
    } finally {
      await serve.stop()
    }
  })

  it('kcat -C -o 1000 past the end resets (to the end, its default) and exits at -e instead of fetching in a loop', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['produce', 'short', '--create'], {input: Array.from({length: 100}, (_, i) => `m${i}`).join('\n') + '\n'})
    const serve = await startServe(dir)
    try {
      const before = cpuTicks(serve.process.pid!)
      const result = await kcat(['-b', serve.bootstrap, '-C', '-t', 'short', '-p', '0', '-o', '1000', '-e'], undefined, 30_000)
      const used = cpuTicks(serve.process.pid!) - before
      expect(result.exitCode, result.stderr).toBe(0)
      expect(result.stdout).toBe('')
      expect(result.stderr).toMatch(/Reached end of topic short \[0\] at offset 100/)
      expect(result.stderr).not.toContain('MessageSetSize')
      console.log(`kcat -o 1000 -e past the end: server CPU ${used / TICKS_PER_SECOND} s`)
    } finally {
      await serve.stop()
    }
  })

  it('a kcat consumer waiting on an empty topic: the server stays near idle', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'quiet'])
    const serve = await startServe(dir)
    const waiting = execa('kcat', ['-b', serve.bootstrap, '-C', '-t', 'quiet', '-p', '0', '-o', 'beginning'], {reject: false, buffer: false})
    let stderr = ''
    waiting.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    try {
      await waitFor(() => stderr.includes('Reached end of topic quiet [0]'), 20_000)
      const pid = serve.process.pid!
      const before = cpuTicks(pid)
      const started = Date.now()
      // A measuring window, not a wait for something: the consumer sits in its long polls meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 2000))
      const used = cpuTicks(pid) - before
      const share = used / TICKS_PER_SECOND / ((Date.now() - started) / 1000)
      console.log(`kcat waiting on an empty topic: server CPU ${(share * 100).toFixed(1)}% over 2 s`)
      expect(share).toBeLessThan(0.1)
    } finally {
      waiting.kill()
      await waiting
      await serve.stop()
    }
  })
})
