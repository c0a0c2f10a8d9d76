#!/usr/bin/env node
// Production launcher: runs the compiled commands in dist/ (built by `npm run build`).
import {execute} from '@oclif/core'
import {moveLeadingGlobalFlags} from '../dist/cli/leading-flags.js'

await execute({dir: import.meta.url, args: moveLeadingGlobalFlags(process.argv.slice(2))})
