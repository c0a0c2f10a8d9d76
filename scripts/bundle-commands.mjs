#!/usr/bin/env node
// Bundles each compiled command (dist/commands/**/*.js) with the strom modules it imports into one
// file, in place, after tsc and before the oclif manifest is written. Loading ~50 small ES modules
// costs a process 30-40 ms of resolving, reading, compiling and linking; one file per command
// takes a fraction of that, and every `strom` process starts with it. The same is done for
// oclif's help class (dist/cli/help.js) and the maintenance thread's entry
// (dist/core/maintenance/maintenance-worker.js, started by every process whose roll makes
// maintenance due). Packages stay external (they are loaded from node_modules as before), and the
// rest of dist/, dist/index.js (the library) with it, is left as tsc wrote it. esbuild comes with
// the dev dependencies (through vitest); without it the
// commands are simply left unbundled.
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const commandsDir = path.join(root, 'dist', 'commands')

let esbuild
try {
  esbuild = await import('esbuild')
} catch {
  console.error('bundle-commands: esbuild not found, commands left unbundled (they work as they are, only start slower)')
  process.exit(0)
}

const entries = []
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) walk(full)
    else if (entry.name.endsWith('.js')) entries.push(full)
  }
}
walk(commandsDir)

// The commands (and oclif's help class, loaded by oclif from dist/cli/help.js) take oclif from the
// one bundled copy the launcher loaded (scripts/bundle-oclif.mjs), not from @oclif/core's modules,
// and the file lock from dist/native-locks.js (scripts/bundle-native-locks.mjs), not from
// fs-native-extensions. esbuild writes each such import as a placeholder, which each output file
// then gets as a path relative to itself: a relative specifier is resolved without reading
// package.json for a self-reference ("strom/oclif" through "exports"), which cost every
// importing chunk ~1 ms at every start.
const builtFiles = [
  ['@oclif/core', '@strom-bundled-oclif', path.join(root, 'dist', 'oclif.js')],
  ['fs-native-extensions', '@strom-bundled-native-locks', path.join(root, 'dist', 'native-locks.js')],
].filter(([, , file]) => fs.existsSync(file))
const alias = Object.fromEntries(builtFiles.map(([name, placeholder]) => [name, placeholder]))
const helpFile = path.join(root, 'dist', 'cli', 'help.js')
// The maintenance thread's entry (src/cli/background-cleaner.ts starts it as a worker): bundled like a
// command, since every process that rolls a segment into due maintenance loads it.
const maintenanceWorker = path.join(root, 'dist', 'core', 'maintenance', 'maintenance-worker.js')
const chunksDir = path.join(root, 'dist', 'chunks')
fs.rmSync(chunksDir, {recursive: true, force: true})

// One build with code splitting: a module used by several commands lands once in a shared chunk
// (dist/chunks/), so every class has one identity in a process; and what a command imports only
// with `await import()` (the Kafka backend, the dashboard, the server) is a chunk of its own,
// loaded when that line runs. A `strom produce` on a directory never parses the Kafka client's
// code, and the dashboard's ink and react imports cannot run before `top` has prepared the
// environment they read at load (CI variables hidden from ink, NODE_ENV for React).
const result = await esbuild.build({
  entryPoints: [...entries, helpFile, maintenanceWorker],
  write: false,
  outdir: path.join(root, 'dist'),
  outbase: path.join(root, 'dist'),
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  alias,
  logLevel: 'warning',
  legalComments: 'none',
  banner: {js: '// Bundled by scripts/bundle-commands.mjs from the tsc output (see there).'},
  // A .map beside each output, composed by esbuild with tsc's maps (read from the inputs'
  // sourceMappingURL comments), so it points into src/: the coverage report of `npm test`
  // (test/helpers/coverage-provider.ts) reads it to credit what the spawned CLI ran to the
  // TypeScript sources. Node reads no map at a normal start (only with NODE_V8_COVERAGE or
  // --enable-source-maps), so starts cost nothing more. Not in the npm package ("files").
  sourcemap: 'linked',
  // The report reads the sources from src/: without their text every map is small, and each
  // covered process writes the maps it loaded into its coverage file.
  sourcesContent: false,
})
for (const output of result.outputFiles) {
  let text = output.text
  // The placeholders below are import specifiers of the code, never in a map's sources or names.
  if (output.path.endsWith('.map')) {
    fs.mkdirSync(path.dirname(output.path), {recursive: true})
    fs.writeFileSync(output.path, text)
    continue
  }
  for (const [, placeholder, file] of builtFiles) {
    const relative = path.relative(path.dirname(output.path), file).split(path.sep).join('/')
    text = text.replaceAll(`"${placeholder}"`, JSON.stringify(relative.startsWith('.') ? relative : `./${relative}`))
    // esbuild writes import specifiers in double quotes; should that ever change, fail the build here.
    if (text.includes(placeholder)) throw new Error(`bundle-commands: ${output.path} still imports ${placeholder}`)
  }
  fs.mkdirSync(path.dirname(output.path), {recursive: true})
  fs.writeFileSync(output.path, text)
}
console.error(`bundle-commands: ${entries.length} commands bundled`)
