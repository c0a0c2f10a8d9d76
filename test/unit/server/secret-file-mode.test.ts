import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {looseSecretFileWarning} from '../../../src/server/auth/secret-file-mode.js'
import {tmpLogDir} from '../../helpers/strom.js'

describe('looseSecretFileWarning', () => {
  const fileWithMode = (mode: number) => {
    const file = path.join(tmpLogDir(), 'secret')
    fs.writeFileSync(file, 'x')
    fs.chmodSync(file, mode)
    return file
  }

  it('is silent for a file only its owner can use', () => {
    expect(looseSecretFileWarning(fileWithMode(0o600), 'key', 'linux')).toBeUndefined()
    expect(looseSecretFileWarning(fileWithMode(0o400), 'key', 'linux')).toBeUndefined()
  })

  it('names who else can use it and the mode', () => {
    expect(looseSecretFileWarning(fileWithMode(0o640), 'key', 'linux')).toMatch(/can be read or written by its group \(mode 0640\)/)
    expect(looseSecretFileWarning(fileWithMode(0o604), 'key', 'linux')).toMatch(/by any user on this machine \(mode 0604\)/)
  })

  it('says nothing on Windows (no mode bits) or for a file it cannot stat', () => {
    expect(looseSecretFileWarning(fileWithMode(0o644), 'key', 'win32')).toBeUndefined()
    expect(looseSecretFileWarning('/no/such/file', 'key', 'linux')).toBeUndefined()
  })
})
