import {describe, expect, it} from 'vitest'
import {moveLeadingGlobalFlags} from '../../../src/cli/leading-flags.js'

describe('leading global flags', () => {
  it('moves --bootstrap-server, --profile and --dir (with values) behind the command', () => {
    expect(moveLeadingGlobalFlags(['--bootstrap-server', 'k:9092', 'topic', 'list'])).toEqual(['topic', 'list', '--bootstrap-server', 'k:9092'])
    expect(moveLeadingGlobalFlags(['--profile=prod', '--dir', '/d', 'consume', 't', '-f'])).toEqual(['consume', 't', '-f', '--profile=prod', '--dir', '/d'])
  })
  it('keeps them before a `--` (what follows is data)', () => {
    expect(moveLeadingGlobalFlags(['--dir', 'd', 'produce', 't', '--', '--dir'])).toEqual(['produce', 't', '--dir', 'd', '--', '--dir'])
  })
  it('leaves everything else alone', () => {
    expect(moveLeadingGlobalFlags(['--help'])).toEqual(['--help'])
    expect(moveLeadingGlobalFlags(['topic', 'list', '--dir', 'd'])).toEqual(['topic', 'list', '--dir', 'd'])
    expect(moveLeadingGlobalFlags(['--dir'])).toEqual(['--dir'])
    expect(moveLeadingGlobalFlags(['--dir', 'd'])).toEqual(['--dir', 'd'])
  })
})
