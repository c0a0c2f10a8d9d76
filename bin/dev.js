#!/usr/bin/env -S node --import tsx
// Development launcher: runs the TypeScript sources directly through tsx.
import {execute} from '@oclif/core'
import {moveLeadingGlobalFlags} from '../src/cli/leading-flags.ts'

await execute({development: true, dir: import.meta.url, args: moveLeadingGlobalFlags(process.argv.slice(2))})
