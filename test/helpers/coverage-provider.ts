/**
 * The coverage report of `npm test` (`vitest run --coverage`, configured in vitest.config.ts):
 * vitest's own V8 provider, plus the code that every spawned `strom` ran.
 *
 * Why not the v8 provider alone: it reads the coverage of vitest's workers only, and most of
 * strom is run by the integration tests as `node bin/run.js` (the bundled dist/), in processes it
 * never sees (issue #18). Why not c8 around vitest: the workers run src/ as vite transformed it,
 * through node:vm, so Node records no source map for that code and c8 cannot map it (it read
 * the .ts ranges as if they were the transformed code's); and the workers are killed at the end,
 * so they write no NODE_V8_COVERAGE file anyway.
 *
 * How: each worker sets NODE_V8_COVERAGE (startCoverage), which every `node` it spawns inherits,
 * and their children in turn (Node passes it on even to a child given an env of its own); each
 * such process writes its V8 coverage into that directory when it exits. generateCoverage() adds the scripts of dist/ from those files to what
 * vitest collected, mapped to src/ through dist's source maps (tsc's, carried through the bundle
 * by scripts/bundle-commands.mjs) by the same converter vitest uses, so a statement of src/ run
 * in a worker and in a CLI is one statement of the report. A child killed with SIGKILL writes
 * nothing (its run is just not counted); a file cut short by a kill during the write is skipped.
 */
import {mergeProcessCovs, type ProcessCov, type ScriptCov} from '@bcoe/v8-coverage'
import v8CoverageModule from '@vitest/coverage-v8'
import {V8CoverageProvider} from '@vitest/coverage-v8/dist/provider.js'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import type {CoverageProviderModule, ReportContext, Vitest} from 'vitest/node'

// istanbul-lib-coverage's map, as the v8 provider declares it (the package ships no types).
type CoverageMap = ReturnType<V8CoverageProvider['createCoverageMap']>

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const DIST_URL = pathToFileURL(path.join(ROOT, 'dist')).href + '/'
// Where the spawned processes write their coverage: a fixed place, as a worker is told nothing
// of the provider's options (nor does it see variables the main process sets after start).
const CHILD_DIR = path.join(ROOT, 'coverage', '.children')
// Bundled packages (@oclif/core, fs-native-extensions), not strom's code.
const NOT_STROM = new Set(['oclif.js', 'native-locks.js'].map((name) => DIST_URL + name))

interface Remap {
  remapCoverage(url: string, wrapperLength: number, sources: {code: string; map?: unknown}, functions: ScriptCov['functions']): Promise<CoverageMap>
}

class StromCoverageProvider extends V8CoverageProvider {
  // vitest hands the provider's name to the workers as the provider to load there: 'v8' would
  // load vitest's module, not this one (and so not its startCoverage).
  override name = 'strom' as 'v8'
  private childStats = {processes: 0, unreadable: 0}

  override initialize(ctx: Vitest): void {
    super.initialize(ctx)
    fs.rmSync(CHILD_DIR, {recursive: true, force: true})
  }

  override async generateCoverage(context: ReportContext): Promise<CoverageMap> {
    const coverageMap = await super.generateCoverage(context)
    coverageMap.merge(await this.childCoverage())
    coverageMap.filter((file: string) => this.isIncluded(file))
    return coverageMap
  }

  override async generateReports(coverageMap: CoverageMap, allTestsRun?: boolean): Promise<void> {
    await super.generateReports(coverageMap, allTestsRun)
    const {processes, unreadable} = this.childStats
    this.ctx.logger.log(`Coverage includes ${processes} spawned processes` + (unreadable > 0 ? ` (${unreadable} coverage files unreadable, cut short by a kill, skipped)` : ''))
  }

  /** The dist/ scripts of every child's coverage file, merged, as a coverage map of src/. */
  private async childCoverage(): Promise<CoverageMap> {
    const files = fs.existsSync(CHILD_DIR) ? fs.readdirSync(CHILD_DIR).filter((name) => name.endsWith('.json')) : []
    // Merged file by file, keeping only strom's scripts: the files hold every script of Node and
    // node_modules too, thousands of processes' worth.
    let merged: ProcessCov = {result: []}
    for (const name of files) {
      let processCov: ProcessCov
      try {
        processCov = JSON.parse(fs.readFileSync(path.join(CHILD_DIR, name), 'utf8')) as ProcessCov
      } catch {
        this.childStats.unreadable++
        continue
      }
      const result = processCov.result.filter((script) => script.url.startsWith(DIST_URL) && !NOT_STROM.has(script.url))
      if (result.length === 0) continue // a node that ran no strom code
      this.childStats.processes++
      merged = mergeProcessCovs([merged, {result}])
    }
    // Read once; thousands of files on a whole run.
    fs.rmSync(CHILD_DIR, {recursive: true, force: true})
    const coverageMap = this.createCoverageMap()
    const remap = this as unknown as Remap
    for (const script of merged.result) {
      const sources = this.distSources(script.url)
      if (sources) coverageMap.merge(await remap.remapCoverage(script.url, 0, sources, script.functions))
    }
    return coverageMap
  }

  /** A dist/ file's code and its source map (sources as absolute file URLs, with their text). */
  private distSources(url: string): {code: string; map: {sources: string[]; sourcesContent?: (string | null)[]}} | undefined {
    const file = fileURLToPath(url)
    if (!fs.existsSync(file)) return undefined
    const code = fs.readFileSync(file, 'utf8')
    const mapName = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(code)?.[1]
    if (!mapName || mapName.startsWith('data:')) return undefined
    const map = JSON.parse(fs.readFileSync(path.resolve(path.dirname(file), mapName), 'utf8')) as {sources: string[]; sourcesContent?: (string | null)[]}
    map.sources = map.sources.map((source) => new URL(source, url).href)
    // The build leaves the sources' text out of the maps (small files); the converter reads it
    // for the ignore hints.
    map.sourcesContent = map.sources.map((source) => {
      try {
        return fs.readFileSync(fileURLToPath(source), 'utf8')
      } catch {
        return null
      }
    })
    return {code, map}
  }
}

const strom: CoverageProviderModule = {
  ...v8CoverageModule,
  // In each worker, before its test file: NODE_V8_COVERAGE for the processes it spawns, not for
  // the worker itself (Node reads it at start only), whose code vitest already measures; a worker
  // started with it would also write a file of all of vitest's scripts when it exits.
  startCoverage(runtimeOptions) {
    process.env.NODE_V8_COVERAGE = CHILD_DIR
    return v8CoverageModule.startCoverage?.(runtimeOptions)
  },
  getProvider: () => new StromCoverageProvider(),
}
export default strom
