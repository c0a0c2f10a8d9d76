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

/**
 * The relative imports of a module, as the files they resolve to: static (`import ... from`,
 * `export ... from`, `import './x.js'`) and dynamic (`import('./x.js')`). Type-only statements
 * (`import type`, `export type ... from`) are left out: TypeScript erases them, so they order nothing
 * at run time. (With them, src/core has one cycle today: log.ts -> partition/partition-writer.ts ->
 * partition/recovery.ts -> maintenance/segment-swap.ts -> maintenance/partition-ref.ts, whose
 * `import type {Topic}` points back at log.ts.)
 */
function relativeImports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8')
  const statements = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s)?[^'";]*?\sfrom\s*['"](\.{1,2}\/[^'"]+)['"]/g)]
  const specs = [
    ...statements.filter((match) => match[1] === undefined).map((match) => match[2]),
    ...[...text.matchAll(/(?:^|\n)\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((match) => match[1]),
    ...[...text.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)].map((match) => match[1]),
  ]
  return specs.map((spec) => {
    const target = path.resolve(path.dirname(file), spec)
    const candidates = [target.replace(/\.js$/, '.ts'), target.replace(/\.js$/, '.tsx'), path.join(target, 'index.ts'), target]
    const found = candidates.find((candidate) => fs.existsSync(candidate) && fs.statSync(candidate).isFile())
    if (found === undefined) throw new Error(`${path.relative(ROOT, file)} imports ${spec}, which resolves to no file`)
    return found
  })
}

/** One cycle of a directed graph (its nodes in order, the first repeated at the end), or undefined. */
export function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): string[] | undefined => {
    state.set(node, 'open')
    stack.push(node)
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') return [...stack.slice(stack.indexOf(next)), next]
      if (state.get(next) === undefined) {
        const cycle = visit(next)
        if (cycle !== undefined) return cycle
      }
    }
    stack.pop()
    state.set(node, 'done')
    return undefined
  }
  for (const node of [...graph.keys()].sort()) {
    if (state.get(node) !== undefined) continue
    const cycle = visit(node)
    if (cycle !== undefined) return cycle
  }
  return undefined
}

describe('architecture', () => {
  it('finds import cycles: a -> b -> c -> a, and a module importing itself', () => {
    expect(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual(['a', 'b', 'c', 'a'])
    expect(findCycle(new Map([['a', ['a']]]))).toEqual(['a', 'a'])
    expect(findCycle(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]]))).toBeUndefined()
  })

  it('no import cycle inside src/core: its modules form layers, each loadable before what uses it', () => {
    const core = path.join(ROOT, 'src/core')
    const files = sources(core)
    const graph = new Map(files.map((file) => [file, relativeImports(file).filter((target) => target.startsWith(core + path.sep))]))
    expect(files.length).toBeGreaterThan(30)
    expect([...graph.values()].flat().length, 'the import parser finds the imports').toBeGreaterThan(100)
    const cycle = findCycle(graph)
    const named = cycle?.map((file) => path.relative(ROOT, file)).join(' -> ')
    expect(cycle === undefined, `an import cycle in src/core: ${named}; break it (move what both sides need into a module of its own)`).toBe(true)
  })

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
