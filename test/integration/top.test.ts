/**
 * `strom top` as a user meets it: in a real terminal (tmux, 80×24) while other processes produce
 * and consume, every key of the help line, and the terminal given back on quit; and off a terminal,
 * one snapshot.
 */
import {execa} from 'execa'
import {afterAll, describe, expect, it} from 'vitest'
import {BIN, spawnStrom, strom, tmpLogDir, waitFor} from '../helpers/strom.js'

// A private tmux server, so the test neither sees nor disturbs anyone's sessions.
const socket = `strom-top-test-${process.pid}`
const tmux = (...args: string[]) => execa('tmux', ['-L', socket, ...args], {reject: false})
const capture = async (session: string) => (await tmux('capture-pane', '-p', '-t', session)).stdout
const keys = (session: string, ...names: string[]) => tmux('send-keys', '-t', session, ...names)

afterAll(async () => {
  await tmux('kill-server')
})

/** Waits until the screen satisfies `check`, and shows the screen when it never does. */
async function screen(session: string, check: RegExp | ((text: string) => boolean), timeoutMs = 3000): Promise<string> {
  const test = typeof check === 'function' ? check : (text: string) => check.test(text)
  try {
    await waitFor(async () => test(await capture(session)), timeoutMs, 50)
  } catch {
    throw new Error(`the screen never showed ${check} within ${timeoutMs} ms:\n${await capture(session)}`)
  }
  return capture(session)
}

/** Starts `strom top` in a new 80×24 pane after a marker line, and reports its exit status after it. */
async function startTop(session: string, dir: string): Promise<void> {
  const script = `clear; echo before-top; NO_COLOR=1 node ${BIN} top --dir ${dir}; echo "exit=$?"; sleep 60`
  await tmux('new-session', '-d', '-s', session, '-x', '80', '-y', '24', script)
  // Node and ink start slowly on a loaded machine; the first frame is the only generous wait.
  await screen(session, /strom top\s+\d\d:\d\d:\d\d/, 30_000)
}

const sum = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].reduce((n, m) => n + Number(m[1]), 0)

describe('strom top in a real terminal (tmux, 80×24)', () => {
  it('follows producers and groups live, reacts to every key, and q gives the terminal back with exit 0', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'orders', '--partitions', '2'])
    await strom(dir, ['topic', 'create', 'payments'])
    await strom(dir, ['produce', 'orders', 'first', '--partition', '0'])
    await strom(dir, ['consume', 'orders', '--group', 'billing']) // commits offset 1 on partition 0, then leaves
    const member = spawnStrom(dir, ['consume', 'payments', '--group', 'shipping', '-f'])
    const session = 'keys'
    try {
      await startTop(session, dir)
      await screen(session, /shipping\s+Stable\s+1\s+1\/1/, 10_000)

      // Another process produces: the message count and billing's lag follow within 3 s.
      const produced = await strom(dir, ['produce', 'orders', '--partitioner', 'round-robin'], {input: Array.from({length: 1234}, (_, i) => `m${i}`).join('\n') + '\n'})
      expect(produced.exitCode).toBe(0)
      const producedAt = Date.now()
      let text = await screen(session, (s) => /orders\s+2\s+1235\s/.test(s) && /billing\s+Empty\s+0\s+0\/2\s+1234\s/.test(s))
      console.log(`top showed the new count and lag ${Date.now() - producedAt} ms after the produce returned`)
      expect(text.split('\n').every((line) => [...line].length <= 80)).toBe(true)
      expect(text).toMatch(/└ orders\s+0\/2\s+1234/)

      // Moving: j/k and the arrows.
      expect(text).toMatch(/› orders/)
      await keys(session, 'j')
      await screen(session, /› payments/)
      await keys(session, 'k')
      await screen(session, /› orders/)
      await keys(session, 'Down')
      await screen(session, /› payments/)
      await keys(session, 'Up')
      await screen(session, /› orders/)

      // Enter: the topic detail shows the end offset of each partition, and follows the next produce.
      await keys(session, 'Enter')
      text = await screen(session, /NEWEST MESSAGES/)
      expect(sum(text, /^\s+[01]\s+0\s+(\d+)\s+\d+\s/gm)).toBe(1235)
      await strom(dir, ['produce', 'orders', 'last-one', '--partition', '1'])
      const tailAt = Date.now()
      text = await screen(session, (s) => /^\s+1\s+\d+ \d\d:\d\d:\d\d\.\d{3}\s+last-one$/m.test(s) && sum(s, /^\s+[01]\s+0\s+(\d+)\s+\d+\s/gm) === 1236)
      console.log(`the detail showed the new end offset and message ${Date.now() - tailAt} ms after the produce`)

      // Esc back; Tab to the groups; Enter on billing: per-partition lag.
      await keys(session, 'Escape')
      await screen(session, /▸ TOPICS 2/)
      await keys(session, 'Tab')
      await screen(session, /▸ GROUPS 2/)
      await keys(session, 'Enter')
      text = await screen(session, /billing\s+Empty\s+0 members\s+lag 1235/)
      expect(text).toMatch(/orders\s+0\s+1\s+\d+\s+\d+\s+-/)
      await keys(session, 'Escape')
      await screen(session, /▸ GROUPS 2/)

      // / filters by name; Esc clears.
      await keys(session, '/')
      await screen(session, /filter: ▏/)
      await keys(session, 'p', 'a', 'y')
      text = await screen(session, /filter: pay▏/)
      expect(text).toMatch(/TOPICS 1/)
      expect(text).not.toMatch(/orders/)
      await keys(session, 'Escape')
      await screen(session, (s) => /TOPICS 2/.test(s) && !/filter:/.test(s))

      // p pauses: a produce does not show until p again.
      await keys(session, 'p')
      const clock = (s: string) => /strom top\s+(\d\d:\d\d:\d\d)/.exec(s)?.[1]
      const pausedAt = clock(await screen(session, /\[paused\]/))
      expect(pausedAt).toBeDefined()
      await strom(dir, ['produce', 'payments', 'while-paused'])
      // Not synchronisation: a quiet period longer than the 1 s refresh, to show that no poll runs while paused.
      await new Promise((resolve) => setTimeout(resolve, 1500))
      text = await capture(session)
      expect(text).toMatch(/payments\s+1\s+0\s/)
      expect(clock(text)).toBe(pausedAt)
      await keys(session, 'p')
      await screen(session, (s) => !/\[paused\]/.test(s) && /payments\s+1\s+1\s/.test(s))

      // q: exit status 0, and the shell's screen is back as it was (the dashboard is gone).
      await keys(session, 'q')
      text = await screen(session, /exit=0/, 5000)
      expect(text).toMatch(/^before-top\nexit=0/)
      expect(text).not.toMatch(/strom top|TOPICS/)
    } finally {
      member.kill('SIGTERM')
      await member
      await tmux('kill-session', '-t', session)
    }
  }, 60_000)

  it('Ctrl-C quits too, with exit 0', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['topic', 'create', 'a'])
    const session = 'ctrl-c'
    try {
      await startTop(session, dir)
      await keys(session, 'C-c')
      expect(await screen(session, /exit=0/, 5000)).toMatch(/^before-top\nexit=0/)
    } finally {
      await tmux('kill-session', '-t', session)
    }
  }, 45_000)
})

describe('strom top off a terminal', () => {
  it('prints one snapshot as a table, or as JSON, and exits 0', async () => {
    const dir = tmpLogDir()
    await strom(dir, ['produce', 'a', 'x', 'y', '--create'])
    await strom(dir, ['consume', 'a', '--group', 'g', '-n', '1'])
    const table = await strom(dir, ['top'])
    expect(table.exitCode).toBe(0)
    expect(table.stdout).toMatch(/^TOPIC\s+PARTITIONS\s+MESSAGES\s+SIZE\na\s+1\s+2\s+\d+ B\n\nGROUP\s+STATE\s+MEMBERS\s+ASSIGNED\s+LAG\ng\s+Empty\s+0\s+0\/1\s+1\n$/)
    expect(table.stdout).not.toMatch(/\u001B\[/)
    const json = await strom(dir, ['top', '--json'])
    expect(json.exitCode).toBe(0)
    const snapshot = JSON.parse(json.stdout)
    expect(snapshot.topics[0]).toMatchObject({name: 'a', messages: 2, partitions: [{partition: 0, logStart: 0, end: 2}]})
    expect(snapshot.groups[0]).toMatchObject({group: 'g', state: 'Empty', totalLag: 1, topics: [{topic: 'a', partitions: 1, owned: 0, lag: 1}]})
  })
})
