#!/usr/bin/env node
// Production launcher: runs the compiled commands in dist/ (built by `npm run build`).
//
// Startup matters for shell loops (`strom produce t hello` as a whole process), so two things
// @oclif/core does at import time that no strom command needs are skipped or deferred:
//  - its Node engine check loads all of `semver` (about 20 ms); strom's own engines field is
//    stricter than oclif's, so the check can never fire here;
//  - the packages below are required eagerly by oclif's modules but only used when something is
//    actually done with them (help templates and colours, error wrapping, plugin globbing, WSL
//    detection), so they are handed over as transparent lazy proxies, loaded on first use;
//  - its logger is built on `debug`, which prints nothing unless $DEBUG is set: without $DEBUG
//    oclif gets a logger that does nothing, and a `debug` that does nothing (never loaded).
// Together about 60 ms of the 90 ms that importing @oclif/core takes.
import fs from 'node:fs'
import Module from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

// Package -> its `__esModule` flag (read by TypeScript's import helpers before any real use).
const LAZY = new Map([
  ['minimatch', true], ['tinyglobby', false], ['ejs', false], ['clean-stack', false], ['wrap-ansi', false],
  ['indent-string', false], ['string-width', false], ['widest-line', false], ['cli-spinners', false],
  ['ansi-escapes', false], ['wordwrap', false], ['ansis', false], ['debug', false], ['node:child_process', false],
])
const oclifDir = `${path.sep}@oclif${path.sep}core${path.sep}`
const oclifBundle = fileURLToPath(new URL('../dist/oclif.js', import.meta.url))
const fromOclif = (parent) => parent?.filename !== undefined && (parent.filename === oclifBundle || parent.filename.includes(oclifDir))
const locksDir = `${path.sep}fs-native-extensions${path.sep}`
const load = Module._load
Module._load = function (request, parent, isMain) {
  if (request === 'debug' && !process.env.DEBUG && fromOclif(parent)) return silentDebug
  if (LAZY.has(request) && fromOclif(parent)) return lazyModule(LAZY.get(request), () => load.call(this, request, parent, isMain))
  if (request === 'require-addon' && parent?.filename?.includes(locksDir)) return prebuiltAddon(() => load.call(this, request, parent, isMain), parent)
  return load.call(this, request, parent, isMain)
}

/**
 * The file lock's native addon (fs-native-extensions) is found by `require-addon`, which walks
 * package.json files with a resolver of its own (four more packages, ~5 ms): its prebuilt binary
 * for this platform is tried first, the resolver only when that is missing or is not the one.
 */
function prebuiltAddon(requireAddon, parent) {
  return function addon(specifier, parentURL) {
    if (specifier === '.' && !(process.platform === 'linux' && fs.existsSync('/etc/alpine-release'))) {
      const file = path.join(path.dirname(parent.filename), 'prebuilds', `${process.platform}-${process.arch}`, 'fs-native-extensions.node')
      if (fs.existsSync(file)) return parent.require(file)
    }
    return requireAddon()(specifier, parentURL)
  }
}

/**
 * `debug` as it behaves without $DEBUG (every namespace disabled), for oclif: besides the logger
 * handed to it below, oclif builds a `debug` logger of its own whenever a command runs (and
 * throws it away), which with the real package costs ~10 ms of loading for nothing.
 */
function silentDebug(namespace) {
  const log = () => {}
  return Object.assign(log, {enabled: false, namespace, log, extend: (suffix, delimiter = ':') => silentDebug(`${namespace}${delimiter}${suffix}`), destroy: () => true})
}
Object.assign(silentDebug, {enabled: () => false, enable: () => {}, disable: () => '', names: [], skips: [], formatters: {}})

/** A stand-in for a CommonJS module's exports that requires the module on first real use. */
function lazyModule(esModule, require) {
  let real
  const get = () => (real ??= require())
  // A function target, so modules whose export is a function can be called through it (an arrow
  // function: it has no non-configurable own keys that would constrain the traps).
  return new Proxy(() => {}, {
    get: (_, key) => (key === '__esModule' && real === undefined ? esModule || undefined : Reflect.get(get(), key)),
    has: (_, key) => Reflect.has(get(), key),
    apply: (_, self, args) => Reflect.apply(get(), self, args),
    ownKeys: () => Reflect.ownKeys(get()),
    getOwnPropertyDescriptor: (_, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(get(), key)
      return descriptor === undefined ? undefined : {...descriptor, configurable: true}
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(get()),
    set: (_, key, value) => Reflect.set(get(), key, value),
  })
}

// oclif sorts the command ids with localeCompare when it loads, and a process's first
// localeCompare builds an ICU collator (10-40 ms). The build wrote the ids in localeCompare order
// (dist/command-order.json, scripts/write-manifest.mjs): comparisons of two of those ids are
// answered from it, with the same result; everything else goes to the real localeCompare.
try {
  const order = JSON.parse(fs.readFileSync(new URL('../dist/command-order.json', import.meta.url), 'utf8'))
  if (order.icu === (process.versions.icu ?? null) && order.node === process.version) {
    const rank = new Map(order.ids.map((id, i) => [id, i]))
    const localeCompare = String.prototype.localeCompare
    // eslint-disable-next-line no-extend-native
    String.prototype.localeCompare = function (that, ...rest) {
      if (rest.length === 0 && typeof that === 'string') {
        const a = rank.get(String(this))
        const b = a === undefined ? undefined : rank.get(that)
        if (b !== undefined) return a < b ? -1 : a > b ? 1 : 0
      }
      return Reflect.apply(localeCompare, this, [that, ...rest])
    }
  }
} catch {
  // No order file (a build without it): oclif uses ICU as usual.
}

const engineCheck = process.env.OCLIF_DISABLE_ENGINE_WARNING
process.env.OCLIF_DISABLE_ENGINE_WARNING = 'true'
// One bundled file of @oclif/core (scripts/bundle-oclif.mjs), the same copy the commands import.
const {execute} = await import('../dist/oclif.js')
if (engineCheck === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING
else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineCheck

const quiet = () => {}
const silentLogger = (namespace) => ({
  child: (ns, delimiter) => silentLogger(`${namespace}${delimiter ?? ':'}${ns}`),
  debug: quiet,
  error: quiet,
  info: quiet,
  namespace,
  trace: quiet,
  warn: quiet,
})
const root = import.meta.url
// `strom --bootstrap-server HOST:PORT topic list`: leading global flags move behind the command words.
const {moveLeadingGlobalFlags} = await import('../dist/cli/leading-flags.js')
const args = moveLeadingGlobalFlags(process.argv.slice(2))
await execute(process.env.DEBUG ? {dir: root, args} : {args, loadOptions: {root: fileURLToPath(root), logger: silentLogger('oclif')}})
