#!/usr/bin/env node
// Writes oclif.manifest.json after the build, so `strom` starts without importing every command
// file to discover them (oclif reads the manifest and loads only the command that runs).
import fs from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {Config} from '@oclif/core'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const manifestFile = path.join(root, 'oclif.manifest.json')
fs.rmSync(manifestFile, {force: true})
const require = createRequire(import.meta.url)
// cacheCommand is not exported by @oclif/core's package.json, so load it by file path.
const coreDir = path.dirname(require.resolve('@oclif/core/package.json'))
const {cacheCommand} = await import(pathToFileURL(path.join(coreDir, 'lib/util/cache-command.js')).href)
const config = await Config.load({root})
const plugin = config.plugins.get(config.pjson.name)
const commands = {}
for (const command of plugin.commands) commands[command.id] = await cacheCommand(await command.load(), plugin, false)
fs.writeFileSync(manifestFile, JSON.stringify({commands, version: config.version}, null, 2))
console.error(`oclif.manifest.json: ${Object.keys(commands).length} commands`)
