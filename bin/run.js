#!/usr/bin/env node
// Production launcher: runs the compiled commands in dist/ (built by `npm run build`).
import {execute} from '@oclif/core'

await execute({dir: import.meta.url})
