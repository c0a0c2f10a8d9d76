// Stands in for the `debug` package inside dist/oclif.js (scripts/bundle-oclif.mjs). oclif's
// logger is built on `debug`, which prints nothing unless $DEBUG is set, and oclif builds a logger
// whenever a command runs: loading the real package costs ~10 ms of every start for nothing.
// Without $DEBUG this is `debug` with every namespace disabled; with it, the real package.
'use strict'

function silentDebug(namespace) {
  const log = () => {}
  return Object.assign(log, {
    enabled: false,
    namespace,
    log,
    extend: (suffix, delimiter = ':') => silentDebug(`${namespace}${delimiter}${suffix}`),
    destroy: () => true,
  })
}
Object.assign(silentDebug, {enabled: () => false, enable: () => {}, disable: () => '', names: [], skips: [], formatters: {}})

// The bundler leaves this `require('debug')` to run time (the real package, from node_modules).
module.exports = process.env.DEBUG ? require('debug') : silentDebug
