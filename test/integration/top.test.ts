import {execa} from 'execa'
import {describe, expect, it} from 'vitest'
import {BIN, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

const session = `strom-top-${process.pid}`
const capture = async () => (await execa('tmux', ['capture-pane', '-p', '-t', session], {reject: false})).stdout
/** Waits until the screen matches, and shows the screen when it never does. */
async function screenShows(pattern: RegExp, timeoutMs: number): Promise<void> {
  try {
    await waitFor(async () => pattern.test(await capture()), timeoutMs, 100)
  } catch {
    const panes = (await execa('tmux', ['list-panes', '-t', session, '-F', 'dead=#{pane_dead} pid=#{pane_pid} size=#{pane_width}x#{pane_height}'], {reject: false})).stdout
    throw new Error(`the screen never showed ${pattern} (${panes}):\n${await capture()}`)
  }
}

describe('strom top in a real terminal (tmux, 80x24)', () => {
  it('shows new end offsets and a group lag within 3 s, reacts to keys, and q exits 0', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'orders', '--partitions', '2'])
    await strom(dir, ['produce', 'orders', 'first'])
    await strom(dir, ['consume', 'orders', '--group', 'billing'])
    await execa('tmux', ['new-session', '-d', '-s', session, '-x', '80', '-y', '24', `NO_COLOR=1 node ${BIN} top --dir ${dir}; echo "exit=$?"; sleep 30`])
    try {
      await screenShows(/orders/, 30_000)
      // Another process produces: the topic's message count and the group's lag follow within 3 s.
      await strom(dir, ['produce', 'orders', '--partitioner', 'round-robin'], {input: Array.from({length: 1234}, (_, i) => `m${i}`).join('\n') + '\n'})
      const producedAt = Date.now()
      await waitFor(async () => {
        const screen = await capture()
        return /orders\s+2\s+1235/.test(screen) && /billing\s+Empty\s+0\s+1234/.test(screen)
      }, 3000, 100)
      console.log(`top showed the new offsets and lag ${Date.now() - producedAt} ms after the produce returned`)
      const screen = await capture()
      expect(screen.split('\n').every((line) => line.length <= 80)).toBe(true)
      // Tab to groups, Enter for the group detail, Esc back.
      await execa('tmux', ['send-keys', '-t', session, 'Tab'])
      await execa('tmux', ['send-keys', '-t', session, 'Enter'])
      await screenShows(/group billing: Empty/, 3000)
      await execa('tmux', ['send-keys', '-t', session, 'Escape'])
      await screenShows(/GROUP\s+STATE/, 3000)
      await execa('tmux', ['send-keys', '-t', session, 'q'])
      await screenShows(/exit=0/, 5000)
    } finally {
      await execa('tmux', ['kill-session', '-t', session], {reject: false})
    }
  }, 60_000)

  it('prints one snapshot (table or --json) and exits 0 when not on a terminal', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'a'])
    await strom(dir, ['produce', 'a', 'x', 'y'])
    const table = await strom(dir, ['top'])
    expect(table.exitCode).toBe(0)
    expect(table.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+MESSAGES\s+SIZE\na\s+1\s+2\s+/)
    const json = JSON.parse((await strom(dir, ['top', '--json'])).stdout)
    expect(json.topics[0]).toMatchObject({name: 'a', messages: 2})
  })
})
