#!/usr/bin/env node
// Bundles @oclif/core (about 60 CommonJS modules) into one ES module, dist/oclif.js, which the
// launcher (bin/run.js) and the bundled commands import by a relative path (scripts/bundle-commands.mjs
// writes it into each output). Every strom process loads oclif: one file instead of 60 saves the
// resolving, stat-ing, reading and wrapping of each module, 20-30 ms of every start.
//
// What strom changes in oclif for a faster start is changed here, in this bundled copy only (no
// patch of Node or of oclif at run time; @oclif/core in node_modules is left as it is):
//  - its Node engine check is switched off (`define`): it loads all of `semver` (~20 ms), and
//    strom's own `engines` field, the one the check would read, is enforced by npm at install;
//  - the packages in LAZY, which oclif requires eagerly but uses only for help, errors, globbing
//    and WSL detection, reach oclif as lazy stand-ins that require them on first use
//    (scripts/oclif/lazy.cjs);
//  - `debug` is a silent one unless $DEBUG is set (scripts/oclif/debug.cjs);
//  - its sort of the command ids skips the ICU collator for plain ids (scripts/oclif/compare-ids.cjs);
//  - its per-start import of `wsl-utils` is answered from the kernel's name (scripts/oclif/wsl.mjs).
// Together about 60 ms of the 90 ms that importing @oclif/core takes.
// Without esbuild (a production install without dev dependencies) a plain re-export is written
// instead, and everything works as before, only slower to start.
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const here = path.join(root, 'scripts', 'oclif')
const outfile = path.join(root, 'dist', 'oclif.js')
const entry = path.join(here, 'entry.mjs')

// Package -> its `__esModule` flag (TypeScript's import helpers read it before any real use).
const LAZY = new Map([
  ['minimatch', true], ['tinyglobby', false], ['ejs', false], ['clean-stack', false], ['wrap-ansi', false],
  ['indent-string', false], ['string-width', false], ['widest-line', false], ['cli-spinners', false],
  ['ansi-escapes', false], ['wordwrap', false], ['ansis', false], ['node:child_process', false],
])

let esbuild
try {
  esbuild = await import('esbuild')
} catch {
  fs.copyFileSync(entry, outfile)
  console.error('bundle-oclif: esbuild not found, dist/oclif.js re-exports @oclif/core unbundled')
  process.exit(0)
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
const insideOclif = (file) => file.includes(`${path.sep}@oclif${path.sep}core${path.sep}`)

/** The build-time changes listed at the top, for the modules of @oclif/core only. */
const oclifChanges = {
  name: 'strom-oclif',
  setup(build) {
    // A lazy package: a small module of its own that requires the real one (left external, so
    // loaded from node_modules at run time) inside the stand-in.
    const lazyFilter = new RegExp(`^(${[...LAZY.keys()].map(escape).join('|')})$`)
    build.onResolve({filter: lazyFilter}, (args) => {
      if (args.namespace === 'strom-lazy') return {path: args.path, external: true}
      if (insideOclif(args.importer)) return {path: args.path, namespace: 'strom-lazy'}
      return undefined
    })
    build.onLoad({filter: /.*/, namespace: 'strom-lazy'}, (args) => ({
      contents: `module.exports = require(${JSON.stringify(path.join(here, 'lazy.cjs'))})(${LAZY.get(args.path)}, () => require(${JSON.stringify(args.path)}))`,
      loader: 'js',
      resolveDir: here,
    }))

    const debugStub = path.join(here, 'debug.cjs')
    build.onResolve({filter: /^debug$/}, (args) => {
      if (args.importer === debugStub) return {path: 'debug', external: true}
      if (insideOclif(args.importer)) return {path: debugStub}
      return undefined
    })

    // The one localeCompare oclif runs at every start: Plugin#load's sort of its commands.
    build.onLoad({filter: /[\\/]@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/}, (args) => {
      const source = fs.readFileSync(args.path, 'utf8')
      const sort = '.sort((a, b) => a.id.localeCompare(b.id))'
      if (source.split(sort).length !== 2) throw new Error(`bundle-oclif: ${args.path} no longer sorts with \`${sort}\`; look again at scripts/oclif/compare-ids.cjs`)
      const compare = `require(${JSON.stringify(path.join(here, 'compare-ids.cjs'))})`
      return {contents: source.replace(sort, `.sort((a, b) => ${compare}(a.id, b.id))`), loader: 'js'}
    })
  },
}

await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // semver only for the engine check (switched off below); TypeScript and friends only for
  // running commands from .ts sources in development.
  external: ['semver', 'typescript', 'ts-node', 'tsx', 'pnpapi'],
  define: {'process.env.OCLIF_DISABLE_ENGINE_WARNING': '"true"'},
  plugins: [oclifChanges],
  // oclif's one use of wsl-utils at every start, without the package's child_process (see there).
  alias: {'wsl-utils': path.join(here, 'wsl.mjs')},
  logLevel: 'warning',
  legalComments: 'none',
  // oclif is CommonJS: give its code the `require`, `__filename` and `__dirname` it expects. Its
  // __dirname-relative reads (its own package.json for the cache's version) then see dist/, whose
  // parent holds strom's package.json; only a version string differs.
  banner: {
    js: [
      '// Bundled by scripts/bundle-oclif.mjs from @oclif/core (see there).',
      "import {createRequire as __stromCreateRequire} from 'node:module'",
      "import {fileURLToPath as __stromFileURLToPath} from 'node:url'",
      "import {dirname as __stromDirname} from 'node:path'",
      'const require = __stromCreateRequire(import.meta.url)',
      'const __filename = __stromFileURLToPath(import.meta.url)',
      'const __dirname = __stromDirname(__filename)',
    ].join('\n'),
  },
})
// The entry destructures oclif's exports: a name a later @oclif/core dropped would be undefined.
const bundled = await import(pathToFileURL(outfile).href)
const missing = Object.keys(bundled).filter((name) => bundled[name] === undefined)
if (missing.length > 0) {
  console.error(`bundle-oclif: @oclif/core no longer exports ${missing.join(', ')} (scripts/oclif/entry.mjs)`)
  process.exit(1)
}
console.error(`bundle-oclif: dist/oclif.js (${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB)`)
