#!/usr/bin/env node
// Bundles fs-native-extensions (the OS file lock, src/core/io/file-lock.ts) into one ES module,
// dist/native-locks.js, that loads the package's prebuilt addon directly
// (scripts/native-locks/binding.cjs) instead of through `require-addon`. The bundled commands
// import it in place of the package (scripts/bundle-commands.mjs); dist/index.js (the library) and
// the tests from sources use the package as it is. Without esbuild nothing is written and the
// commands import the package.
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outfile = path.join(root, 'dist', 'native-locks.js')
fs.rmSync(outfile, {force: true})

let esbuild
try {
  esbuild = await import('esbuild')
} catch {
  console.error('bundle-native-locks: esbuild not found, the commands load fs-native-extensions as it is')
  process.exit(0)
}

const packageDir = path.dirname(createRequire(import.meta.url).resolve('fs-native-extensions/package.json'))
const binding = path.join(root, 'scripts', 'native-locks', 'binding.cjs')
await esbuild.build({
  entryPoints: [path.join(packageDir, 'index.js')],
  outfile,
  bundle: true,
  platform: 'node',
  // An ES module (the package is CommonJS): the chunks import it, and importing a CommonJS file
  // from an ES module has Node parse it for its export names first (cjs-module-lexer, ~10 ms).
  format: 'esm',
  target: 'node20',
  plugins: [{
    name: 'prebuilt-binding',
    setup(build) {
      build.onResolve({filter: /^\.\/binding(\.js)?$/}, (args) => (args.importer.startsWith(packageDir + path.sep) ? {path: binding} : undefined))
      // The binding's own fallback, and the package.json lookup, stay run-time requires.
      build.onResolve({filter: /^fs-native-extensions\//}, (args) => ({path: args.path, external: true}))
      build.onResolve({filter: /[\\/]binding\.js$/}, (args) => (args.importer === binding ? {path: args.path, external: true} : undefined))
    },
  }],
  logLevel: 'warning',
  legalComments: 'none',
  // The CommonJS code's `require` (node:fs, node:path, the addon), as in scripts/bundle-oclif.mjs.
  banner: {
    js: [
      '// Bundled by scripts/bundle-native-locks.mjs from fs-native-extensions (see there).',
      "import {createRequire as __stromCreateRequire} from 'node:module'",
      'const require = __stromCreateRequire(import.meta.url)',
    ].join('\n'),
  },
})
console.error('bundle-native-locks: dist/native-locks.js')
