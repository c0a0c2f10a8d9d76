import {describe, expect, it} from 'vitest'
import {parseConfigPairs, resolveConfig} from '../../../src/core/config.js'
import {validateTopicName} from '../../../src/core/names.js'

describe('topic names', () => {
  it('accepts Kafka-legal names', () => {
    for (const name of ['a', 'logs', 'my.topic_1-x', 'x'.repeat(249), '...', '_']) expect(validateTopicName(name)).toBe(name)
  })
  it('rejects anything that could escape the directory or that Kafka rejects', () => {
    for (const name of ['', '.', '..', '../x', 'a/b', '/etc/passwd', 'a\\b', 'x'.repeat(250), 'sp ace', 'ü', 'a\0b']) {
      expect(() => validateTopicName(name), JSON.stringify(name)).toThrow(/invalid topic name/)
    }
  })
})

describe('topic config', () => {
  it('parses Kafka-named pairs and resolves defaults', () => {
    const overrides = parseConfigPairs(['retention.ms=1000', 'cleanup.policy=compact'])
    const config = resolveConfig(overrides)
    expect(config.retentionMs).toBe(1000)
    expect(config.cleanupPolicy).toBe('compact')
    expect(config.segmentBytes).toBe(1024 ** 3)
  })
  it('rejects unknown keys and bad values', () => {
    expect(() => parseConfigPairs(['nope=1'])).toThrow(/unknown topic config/)
    expect(() => parseConfigPairs(['retention.ms=soon'])).toThrow(/invalid value/)
    expect(() => parseConfigPairs(['segment.bytes=3000000000'])).toThrow(/invalid value/)
    expect(() => parseConfigPairs(['cleanup.policy=shred'])).toThrow(/expected one of/)
    expect(() => parseConfigPairs(['retention.ms'])).toThrow(/key=value/)
  })
})
