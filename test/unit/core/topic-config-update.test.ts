import {describe, expect, it} from 'vitest'
import {openLog} from '../../../src/core/log.js'
import {tmpLogDir} from '../../helpers/strom.js'

describe('TopicStore.updateConfig', () => {
  it('hands the update the configs on disk (not a copy read before another writer changed them) and writes what it returns', () => {
    const dir = tmpLogDir()
    const ours = openLog({dir})
    const topic = ours.createTopic('t', {config: {'retention.ms': '1000'}})
    // Another process (another Log over the same directory) changes the configs meanwhile.
    openLog({dir}).topics.alter('t', {config: {'segment.bytes': '4096', 'retention.ms': ''}})
    expect(topic.meta.config).toEqual({'retention.ms': '1000'})
    let seen: Record<string, string> | undefined
    const meta = ours.topics.updateConfig('t', (current) => {
      seen = {...current}
      return {...current, 'cleanup.policy': 'compact'}
    })
    expect(seen).toEqual({'segment.bytes': '4096'})
    expect(meta.config).toEqual({'segment.bytes': '4096', 'cleanup.policy': 'compact'})
    expect(openLog({dir}).topic('t').meta.config).toEqual({'segment.bytes': '4096', 'cleanup.policy': 'compact'})
  })

  it('refuses an invalid result and leaves the configs as they were', () => {
    const dir = tmpLogDir()
    const log = openLog({dir})
    log.createTopic('t', {config: {'retention.ms': '1000'}})
    expect(() => log.topics.updateConfig('t', () => ({'retention.ms': 'soon'}))).toThrow(/retention\.ms/)
    expect(openLog({dir}).topic('t').meta.config).toEqual({'retention.ms': '1000'})
  })
})
