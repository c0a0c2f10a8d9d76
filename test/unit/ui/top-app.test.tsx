import React from 'react'
import {afterEach, describe, expect, it} from 'vitest'
import {TopApp} from '../../../src/ui/top/TopApp.js'
import {createTheme, ThemeContext} from '../../../src/ui/theme.js'
import {busyWorld, FakeSource, group, topic} from './fake-source.js'
import {KEYS, renderAt, type Rendered} from './render-at.js'

const ANSI = /\u001B\[[0-9;]*m/

let app: Rendered | undefined
afterEach(() => {
  app?.instance.unmount()
  app = undefined
})

function start(source: FakeSource, options: {intervalMs?: number; colorLevel?: 0 | 1; columns?: number; rows?: number} = {}): Rendered {
  app = renderAt(
    <ThemeContext.Provider value={createTheme(options.colorLevel ?? 0)}>
      <TopApp source={source} intervalMs={options.intervalMs ?? 20} />
    </ThemeContext.Provider>,
    {columns: options.columns ?? 80, rows: options.rows ?? 24},
  )
  return app
}

const fits = (frame: string, columns: number, rows: number) => {
  const lines = frame.split('\n')
  return lines.length < rows && lines.every((line) => [...line].length <= columns)
}

describe('<TopApp> at 80×24 without colour', () => {
  it('shows topic rows with rates and sparklines, group rows with assignment and per-topic lag, and the help line', async () => {
    const source = new FakeSource(busyWorld)
    const {waitForFrame} = start(source)
    // After a few polls app-logs has a rate of 100 msg/s (100 messages per 1000 ms of snapshot time).
    const frame = await waitForFrame((f) => source.takes >= 5 && /app-logs\s+2\s+\S+\s+\S+\s+100\b/.test(f))
    expect(frame).not.toMatch(ANSI)
    expect(fits(frame, 80, 24)).toBe(true)
    expect(frame).toMatch(/^strom top {2}00:00:\d\d {2}2 topics {2}2 groups {2}\/var\/lib\/strom/)
    expect(frame).toMatch(/▸ TOPICS 2/)
    expect(frame).toMatch(/TOPIC\s+PARTS\s+MESSAGES\s+SIZE\s+MSG\/S\s+B\/S\s+MSG\/S, LAST MINUTE/)
    expect(frame).toMatch(/› app-logs\s+2\s+/) // the cursor starts on the first topic
    expect(frame).toMatch(/ {2}events\s+1\s+7\s+70B\s+0\s+0B\s+▁+/)
    expect(frame).toMatch(/app-logs.*\s1000B\s+[▁-█]+$/m) // 100 msg/s × 10 bytes
    expect(frame).toMatch(/GROUP \/ TOPIC\s+STATE\s+MEMBERS\s+ASSIGNED\s+LAG/)
    expect(frame).toMatch(/workers\s+Stable\s+2\s+2\/2\s+\d+/)
    expect(frame).toMatch(/└ app-logs\s+2\/2\s+\d+/)
    expect(frame).toMatch(/audit\s+Empty\s+0\s+0\/1\s+0/)
    expect(frame.trimEnd().split('\n').at(-1)).toBe('↑↓/jk move  Enter detail  Tab pane  / filter  s sort  p pause  q quit')
  })

  it('marks a group whose lag keeps growing, and only that one', async () => {
    const source = new FakeSource(busyWorld)
    const {waitForFrame} = start(source)
    const frame = await waitForFrame((f) => /workers.*▲/.test(f))
    expect(frame).not.toMatch(/audit.*▲/)
  })

  it('moves with j/k and arrows, opens a topic detail with partitions and the live tail, and Esc goes back', async () => {
    const source = new FakeSource(busyWorld)
    source.tailRecords = [{partition: 1, offset: 41, timestamp: Date.parse('2026-01-01T00:00:01Z'), key: 'k', value: 'hello\nworld'}]
    const {press, waitForFrame} = start(source, {intervalMs: 1000})
    await waitForFrame((f) => f.includes('› app-logs'))
    await press('j', (f) => f.includes('› events'))
    await press(KEYS.up, (f) => f.includes('› app-logs'))
    await press(KEYS.down, (f) => f.includes('› events'))
    await press('k', (f) => f.includes('› app-logs'))
    const detail = await press(KEYS.enter, (f) => f.includes('NEWEST MESSAGES') && f.includes('hello'))
    expect(detail).toMatch(/^app-logs {2}2 partitions/m)
    expect(detail).toMatch(/PARTITION\s+START\s+END\s+MESSAGES\s+SIZE\s+MSG\/S/)
    expect(detail).toMatch(/^\s+0\s+0\s+\d+00\s+/m)
    expect(detail).toMatch(/^\s+1\s+0\s+7\s+7\s+70B\s+0$/m)
    // Partition, offset, time, key, value — a newline in a value cannot break the layout.
    expect(detail).toMatch(/^\s+1\s+41 00:00:01\.000 k\s+hello·world$/m)
    expect(source.tailCalls.at(-1)?.topic).toBe('app-logs')
    expect(fits(detail, 80, 24)).toBe(true)
    await press(KEYS.escape, (f) => f.includes('▸ TOPICS 2'))
  })

  it('Tab switches to the groups pane; Enter shows members, assignment and per-partition lag', async () => {
    const source = new FakeSource(busyWorld)
    const {press, waitForFrame} = start(source, {intervalMs: 1000})
    await waitForFrame((f) => f.includes('› app-logs'))
    const groups = await press(KEYS.tab, (f) => f.includes('▸ GROUPS 2'))
    expect(groups).toMatch(/› workers/)
    expect(groups).toMatch(/ {2}TOPICS 2/)
    const detail = await press(KEYS.enter, (f) => /MEMBER\s+HOST/.test(f))
    expect(detail).toMatch(/^workers {2}Stable {2}2 members {2}lag \d+/m)
    expect(detail).toMatch(/m1\s+box\s+4242 app-logs:0$/m)
    expect(detail).toMatch(/m2\s+box\s+4242 app-logs:1$/m)
    expect(detail).toMatch(/TOPIC\s+PARTITION\s+COMMITTED\s+END\s+LAG\s+OWNER/)
    expect(detail).toMatch(/app-logs\s+1\s+5\s+7\s+2 m2/)
    await press(KEYS.escape, (f) => f.includes('▸ GROUPS 2'))
  })

  it('scrolls a detail view with many partitions', async () => {
    const wide = topic('wide', Array.from({length: 40}, (_, i) => i))
    const source = new FakeSource(() => ({topics: [wide], groups: []}))
    const {press, waitForFrame} = start(source, {intervalMs: 1000})
    await waitForFrame((f) => f.includes('› wide'))
    const first = await press(KEYS.enter, (f) => f.includes('PARTITION'))
    expect(first).toMatch(/^\s+0\s+0\s+0\s+0\s/m)
    const scrolled = await press('j', (f) => !/^\s+0\s+0\s+0\s+0\s/m.test(f))
    expect(scrolled).toMatch(/^\s+1\s+0\s+1\s+1\s/m)
    for (let i = 0; i < 60; i++) await press('j')
    const bottom = app!.lastFrame()
    expect(bottom).toMatch(/^\s+39\s+0\s+39\s+39\s/m)
    expect(bottom).toContain('NEWEST MESSAGES')
    // One up from the bottom: partition 31 comes into view at the top and 39 leaves at the bottom.
    await press('k', (f) => /^\s+31\s+0\s+31\s/m.test(f) && !/^\s+39\s+0\s+39\s/m.test(f))
  })

  it('/ filters by name as you type (a pasted chunk too); Esc clears the filter', async () => {
    const source = new FakeSource(busyWorld)
    const {press, waitForFrame} = start(source, {intervalMs: 1000})
    await waitForFrame((f) => f.includes('› app-logs'))
    await press('/', (f) => f.includes('filter: ▏'))
    const filtered = await press('eve', (f) => f.includes('filter: eve▏'))
    expect(filtered).toMatch(/TOPICS 1/)
    expect(filtered).not.toMatch(/app-logs/)
    expect(filtered).toMatch(/events\s+1\s+7/)
    expect(filtered).toMatch(/no consumer groups/)
    expect(filtered.trimEnd().split('\n').at(-1)).toMatch(/type a name/)
    await press(KEYS.backspace, (f) => f.includes('filter: ev▏'))
    await press(KEYS.enter, (f) => f.includes('filter: ev ') || /filter: ev {2}/.test(f))
    await press(KEYS.escape, (f) => !f.includes('filter:') && f.includes('app-logs'))
  })

  it('p pauses polling and resumes it', async () => {
    const source = new FakeSource(busyWorld)
    const {press, waitForFrame} = start(source, {intervalMs: 20})
    await waitForFrame(() => source.takes >= 3)
    await press('p', (f) => f.includes('[paused]') && f.includes('p resume'))
    // The frame is drawn before React stops the timer: a poll already due may still land.
    await new Promise((resolve) => setTimeout(resolve, 50))
    const paused = source.takes
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(source.takes).toBe(paused)
    await press('p', (f) => !f.includes('[paused]'))
    await waitForFrame(() => source.takes > paused + 2)
  })

  it('q and Ctrl-C quit', async () => {
    for (const key of ['q', KEYS.ctrlC]) {
      const {instance, press, waitForFrame} = start(new FakeSource(busyWorld), {intervalMs: 1000})
      await waitForFrame((f) => f.includes('› app-logs'))
      const exited = instance.waitUntilExit().then(() => 'exited')
      await press(key, () => true)
      expect(await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 1000))])).toBe('exited')
      app = undefined
    }
  })

  it('adapts to a resize: narrower drops the optional columns, shorter keeps the frame inside', async () => {
    const source = new FakeSource(busyWorld)
    const {resize, waitForFrame} = start(source, {intervalMs: 1000})
    await waitForFrame((f) => f.includes('MSG/S, LAST MINUTE'))
    resize(50, 12)
    const small = await waitForFrame((f) => !f.includes('LAST MINUTE') && f.split('\n').length < 12)
    expect(fits(small, 50, 12)).toBe(true)
    expect(small).toMatch(/TOPIC\s+PARTS\s+MESSAGES\s+SIZE\s+MSG\/S/)
    resize(120, 40)
    const large = await waitForFrame((f) => f.includes('LAST MINUTE') && f.split('\n').some((line) => line.length > 80))
    expect(fits(large, 120, 40)).toBe(true)
  })

  it('200 topics, one busy and one group lagging: both on the first screen, busiest first, with "+N more"; s sorts by name', async () => {
    const idle = Array.from({length: 198}, (_, i) => topic(`t${String(i).padStart(3, '0')}`, [5]))
    const world = (n: number) => {
      const active = topic('zzz-active', [100 * n])
      const quiet = topic('aaa-quiet', [3])
      const groups = [
        ...Array.from({length: 8}, (_, i) => group(`g${i}`, 'Stable', ['m'], idle[i], 5)),
        group('zzz-lagging', 'Stable', ['m'], active, 0),
      ]
      return {topics: [quiet, ...idle, active], groups}
    }
    const source = new FakeSource(world)
    const {press, waitForFrame} = start(source, {columns: 80, rows: 24})
    const frame = await waitForFrame((f) => /▸ TOPICS 200 {2}busiest first/.test(f) && /› zzz-active\s+1\s/.test(f) && /zzz-lagging\s+Stable/.test(f))
    expect(fits(frame, 80, 24)).toBe(true)
    // The busy topic is first and the cursor followed it there; the lagging group heads its pane.
    const lines = frame.split('\n')
    expect(lines.findIndex((l) => l.includes('zzz-active'))).toBe(lines.findIndex((l) => /TOPIC\s+PARTS/.test(l)) + 1)
    expect(lines.findIndex((l) => l.includes('zzz-lagging'))).toBe(lines.findIndex((l) => /GROUP \/ TOPIC/.test(l)) + 1)
    const more = /^ {2}\+(\d+) more$/m.exec(frame)
    expect(more).not.toBeNull()
    const topicRowsShown = lines.filter((l) => /^[ ›] (aaa-|t\d{3}|zzz-active)/.test(l)).length
    expect(Number(more![1]) + topicRowsShown).toBe(200)
    const byName = await press('s', (f) => /TOPICS 200 {2}by name/.test(f))
    expect(byName).toMatch(/› aaa-quiet/)
    expect(byName).not.toMatch(/zzz-active/)
    await press('s', (f) => /TOPICS 200 {2}busiest first/.test(f) && /zzz-active/.test(f))
  })

  it('the cursor stays on its topic when the order changes under it', async () => {
    // b is idle at first, then becomes the busiest: the cursor, on b, goes with it to the top.
    const world = (n: number) => ({topics: [topic('a', [7]), topic('b', [n < 4 ? 1 : 100 * n]), topic('c', [7])], groups: []})
    const {press, waitForFrame} = start(new FakeSource(world), {intervalMs: 20})
    await waitForFrame((f) => /› a\s/.test(f))
    await press('j', (f) => /› b\s/.test(f))
    const frame = await waitForFrame((f) => /TOPIC\s+PARTS.*\n› b\s/.test(f))
    expect(frame).toMatch(/› b\s[^\n]*\n {2}a\s/)
  })

  it('shows an empty log directory plainly', async () => {
    const {waitForFrame} = start(new FakeSource(() => ({topics: [], groups: []})))
    const frame = await waitForFrame((f) => f.includes('no topics'))
    expect(frame).toMatch(/no consumer groups/)
  })
})

describe('<TopApp> colour', () => {
  it('colours through the theme when there is colour, and never without', async () => {
    const world = (n: number) => {
      const t = topic('t', [100 * n])
      return {topics: [t], groups: [group('g', 'Stable', ['m'], t, 0)]}
    }
    const coloured = start(new FakeSource(world), {colorLevel: 1})
    const frame = await coloured.waitForFrame((f) => /▲/.test(f))
    expect(frame).toMatch(ANSI)
    expect(frame).toMatch(/\u001B\[31m[^\n]*g\s+Stable/) // the growing group in the alert colour (red)
    coloured.instance.unmount()
    const plain = start(new FakeSource(world), {colorLevel: 0})
    expect(await plain.waitForFrame((f) => /▲/.test(f))).not.toMatch(ANSI)
  })
})
