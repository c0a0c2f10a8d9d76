#!/usr/bin/env node
// Production launcher: runs the compiled commands in dist/ (built by `npm run build`).
//
// Startup matters for shell loops (`strom produce t hello` as a whole process): what strom changes
// in oclif to start faster is changed at build time, in the bundled copy dist/oclif.js
// (scripts/bundle-oclif.mjs); nothing here patches Node or oclif.
import {fileURLToPath} from 'node:url'

// oclif's documented settings object: this launcher runs the compiled dist/ only. Without it, with
// NODE_ENV=test or development in the environment, oclif looks for TypeScript sources (src/ is
// not in the npm package) and warns, or loads help.ts and fails.
globalThis.oclif = {...globalThis.oclif, enableAutoTranspile: false}

// One bundled file of @oclif/core (scripts/bundle-oclif.mjs), the same copy the commands import.
const {execute} = await import('../dist/oclif.js')
// `strom --bootstrap-server HOST:PORT topic list`: leading global flags move behind the command words.
const {moveLeadingGlobalFlags} = await import('../dist/cli/leading-flags.js')
const args = moveLeadingGlobalFlags(process.argv.slice(2))
await execute({args, loadOptions: {root: fileURLToPath(import.meta.url)}})
