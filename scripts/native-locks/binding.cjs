// Stands in for fs-native-extensions' binding.js inside dist/native-locks.js
// (scripts/bundle-native-locks.mjs). The package finds its native addon through `require-addon`,
// which resolves it with a package.json walker of its own (six more packages, ~5 ms of every
// start); the prebuilt binary the package ships for this platform is loaded directly instead, and
// the package's own binding.js is used when there is none (other platforms, musl, a local build).
'use strict'
const fs = require('node:fs')
const path = require('node:path')

// The installed package (found at run time: npm may have hoisted it anywhere above dist/).
const packageDir = path.dirname(require.resolve('fs-native-extensions/package.json'))
// require-addon looks for linux-*-musl prebuilds on Alpine, which the package does not ship.
const musl = process.platform === 'linux' && fs.existsSync('/etc/alpine-release')
const prebuilt = path.join(packageDir, 'prebuilds', `${process.platform}-${process.arch}`, 'fs-native-extensions.node')

module.exports = !musl && fs.existsSync(prebuilt) ? require(prebuilt) : require(path.join(packageDir, 'binding.js'))
