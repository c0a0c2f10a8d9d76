#!/usr/bin/env node
// Bundles @oclif/core (about 60 CommonJS modules) into one ES module, dist/oclif.js, which the
// launcher (bin/run.js) and the bundled commands import by a relative path (scripts/bundle-commands.mjs
// writes it into each output). Every strom process loads oclif: one file instead of 60 saves the
// resolving, stat-ing, reading and wrapping of each module, 20-30 ms of every start.
//
// The packages bin/run.js hands to oclif as lazy proxies stay external, so they are still
// required at run time (through the `require` the banner defines) and still deferred until used.
// Without esbuild (a production install without dev dependencies) a plain re-export is written
// instead, and everything works as before, only slower to start.
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outfile = path.join(root, 'dist', 'oclif.js')
const entry = path.join(root, 'scripts', 'oclif-entry.mjs')
// Keep in step with LAZY in bin/run.js.
const lazy = ['minimatch', 'tinyglobby', 'ejs', 'clean-stack', 'wrap-ansi', 'indent-string', 'string-width', 'widest-line', 'cli-spinners', 'ansi-escapes', 'wordwrap', 'ansis', 'debug']

let esbuild
try {
  esbuild = await import('esbuild')
} catch {
  fs.copyFileSync(entry, outfile)
  console.error('bundle-oclif: esbuild not found, dist/oclif.js re-exports @oclif/core unbundled')
  process.exit(0)
}

await esbuild.build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // semver only for the engine check (switched off by the launcher); TypeScript and friends only for
  // running commands from .ts sources in development.
  external: [...lazy, 'semver', 'typescript', 'ts-node', 'tsx', 'pnpapi'],
  // oclif's one use of wsl-utils at every start, without the package's child_process (see there).
  alias: {'wsl-utils': path.join(root, 'scripts', 'oclif-wsl.mjs')},
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
  console.error(`bundle-oclif: @oclif/core no longer exports ${missing.join(', ')} (scripts/oclif-entry.mjs)`)
  process.exit(1)
}
console.error(`bundle-oclif: dist/oclif.js (${(fs.statSync(outfile).size / 1024).toFixed(0)} KiB)`)
