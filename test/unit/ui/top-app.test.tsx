import {render} from 'ink-testing-library'
import React from 'react'
import {describe, expect, it} from 'vitest'
import type {Snapshot} from '../../../src/core/stats/snapshot.js'
import {TopApp} from '../../../src/ui/top/TopApp.js'

const snapshot = (n: number): Snapshot => ({
  takenMs: Date.parse('2026-01-01T00:00:00Z') + n * 1000,
  topics: [
    {name: 'app-logs', partitions: [0, 1].map((p) => ({partition: p, logStart: 0, end: 100 * n + p, sizeBytes: 1000 * n})), messages: 200 * n + 1, end: 200 * n + 1, sizeBytes: 2000 * n},
    {name: 'events', partitions: [{partition: 0, logStart: 0, end: 7, sizeBytes: 70}], messages: 7, end: 7, sizeBytes: 70},
  ],
  groups: [{group: 'workers', state: 'Stable', members: 2, totalLag: 5 * n, memberIds: ['m1', 'm2'], partitions: [{topic: 'app-logs', partition: 0, committed: 10, end: 100 * n, lag: 100 * n - 10, owner: 'm1'}]}],
})

function fakeSource() {
  let n = 1
  return {log: {dir: '/tmp/x'}, take: () => snapshot(n++)}
}

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms))

describe('<TopApp> at 80x24 without colour', () => {
  it('renders topic rows, group rows and the help line', async () => {
    process.stdout.columns = 80
    process.stdout.rows = 24
    const {lastFrame, unmount} = render(<TopApp source={fakeSource()} tail={() => []} intervalMs={20} />)
    await tick(80)
    const frame = lastFrame()!
    expect(frame).toMatch(/TOPIC\s+PARTS\s+MESSAGES/)
    expect(frame).toMatch(/app-logs\s+2/)
    expect(frame).toMatch(/events\s+1\s+7/)
    expect(frame).toMatch(/workers\s+Stable\s+2/)
    expect(frame).toMatch(/q quit/)
    expect(frame).toMatch(/[▁▂▃▄▅▆▇█]/)
    unmount()
  })

  it('opens a topic detail with the live tail on Enter and goes back on Esc', async () => {
    const tail = () => [{partition: 1, offset: 41, timestamp: Date.parse('2026-01-01T00:00:01Z'), key: 'k', value: 'hello world'}]
    const {lastFrame, stdin, unmount} = render(<TopApp source={fakeSource()} tail={tail} intervalMs={1000} />)
    await tick()
    stdin.write('\r')
    await tick()
    expect(lastFrame()).toMatch(/newest messages of app-logs/)
    expect(lastFrame()).toMatch(/41 00:00:01.000 k hello world/)
    stdin.write('\u001b')
    await tick()
    expect(lastFrame()).toMatch(/TOPIC\s+PARTS/)
    stdin.write('\t')
    await tick()
    stdin.write('\r')
    await tick()
    expect(lastFrame()).toMatch(/group workers: Stable, 2 members/)
    unmount()
  })

  it('filters by name with /', async () => {
    const {lastFrame, stdin, unmount} = render(<TopApp source={fakeSource()} tail={() => []} intervalMs={1000} />)
    await tick()
    stdin.write('/')
    await tick()
    for (const ch of 'even') {
      stdin.write(ch)
      await tick(10)
    }
    await tick()
    expect(lastFrame()).toMatch(/filter: even/)
    expect(lastFrame()).not.toMatch(/app-logs/)
    expect(lastFrame()).toMatch(/events/)
    unmount()
  })
})
