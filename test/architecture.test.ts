import fs from 'node:fs'
import path from 'node:path'
import {execa} from 'execa'
import {describe, expect, it} from 'vitest'
import {ROOT, tmpLogDir} from './helpers/strom.js'

function sources(dir: string): string[] {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? sources(full) : /\.(ts|tsx)$/.test(entry.name) ? [full] : []
  })
}

describe('architecture', () => {
  it('the log engine (src/core) knows nothing of the CLI, the terminal UI or the server', () => {
    const offenders: string[] = []
    for (const file of sources(path.join(ROOT, 'src/core'))) {
      const text = fs.readFileSync(file, 'utf8')
      for (const match of text.matchAll(/from '([^']+)'/g)) {
        const spec = match[1]
        if (/^@oclif|^ink$|^react|^chalk$|^cli-table3$/.test(spec) || /\.\.\/(cli|commands|ui|server|ingest|backends)\//.test(spec) || /^\.\.\/\.\.\/(cli|commands|ui|server|ingest)/.test(spec)) {
          offenders.push(`${path.relative(ROOT, file)} imports ${spec}`)
        }
      }
    }
    expect(offenders).toEqual([])
  })

  it("the package exports the engine as a library: import {openLog} from 'strom'", async () => {
    const dir = tmpLogDir()
    const script = `
      import {openLog, Producer, LogReader, parseRange} from 'strom'
      const log = openLog({dir: ${JSON.stringify(dir)}})
      const topic = log.createTopic('lib', {partitions: 2})
      const producer = new Producer(topic)
      for (let i = 0; i < 10; i++) producer.send({key: 'k' + (i % 3), value: 'v' + i})
      producer.flush()
      const seen = []
      const reader = new LogReader([0, 1].map((partition) => ({topic, partition})), {range: parseRange('beginning'), follow: false})
      await reader.run((t, p, r) => { seen.push(r.value().toString()) }, () => {})
      console.log(seen.sort().join(','))
    `
    const result = await execa('node', ['--input-type=module', '-e', script], {cwd: ROOT})
    expect(result.stdout).toBe('v0,v1,v2,v3,v4,v5,v6,v7,v8,v9')
  })
})
