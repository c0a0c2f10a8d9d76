// Stands in for the `wsl-utils` package inside dist/oclif.js (scripts/bundle-oclif.mjs). oclif
// imports it at every start only to name the platform ('wsl' or os.platform()), and the package's
// imports load child_process, net and their internals (about 5 ms). This answers the same
// question from the files: a Linux kernel built by Microsoft, and not a container running on one.
import fs from 'node:fs'
import os from 'node:os'

function readLower(file) {
  try {
    return fs.readFileSync(file, 'utf8').toLowerCase()
  } catch {
    return ''
  }
}

function insideContainer() {
  return fs.existsSync('/.dockerenv') || fs.existsSync('/run/.containerenv') || readLower('/proc/self/cgroup').includes('docker')
}

function detectWsl() {
  if (process.platform !== 'linux') return false
  const microsoftKernel = os.release().toLowerCase().includes('microsoft') || readLower('/proc/version').includes('microsoft')
  return microsoftKernel && !insideContainer()
}

export const isWsl = detectWsl()

// oclif asks for PowerShell only on WSL (to name the user's shell): hand that to the real package.
// The specifier is a variable so that the bundler's alias does not turn it back into this file.
const realPackage = 'wsl-utils'
export async function powerShellPath() {
  const wslUtils = await import(realPackage)
  return wslUtils.powerShellPath()
}
