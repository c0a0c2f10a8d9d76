/**
 * Open topics, shared by every connection of the server. A Topic keeps its partition writers'
 * files open, so it is reused across requests; it is reopened when its topic.json changed
 * (partitions added, configs altered, or the topic deleted and created again by another process),
 * which one stat per lookup detects.
 */
import fs from 'node:fs'
import path from 'node:path'
import type {Log, Topic} from '../core/log.js'
import {StromError} from '../core/errors.js'
import {validateTopicName} from '../core/names.js'

interface Entry {
  topic: Topic
  stamp: string
}

export class TopicCache {
  private readonly entries = new Map<string, Entry>()

  constructor(readonly log: Log) {}

  /** The topic, or undefined when it does not exist. Throws INVALID_NAME for a name Kafka rejects. */
  get(name: string): Topic | undefined {
    validateTopicName(name)
    const stamp = this.stamp(name)
    const entry = this.entries.get(name)
    if (entry !== undefined && entry.stamp === stamp) return entry.topic
    if (entry !== undefined) {
      entry.topic.close()
      this.entries.delete(name)
    }
    if (stamp === undefined) return undefined
    let topic: Topic
    try {
      topic = this.log.topic(name)
    } catch (error) {
      if (error instanceof StromError && error.code === 'UNKNOWN_TOPIC') return undefined
      throw error
    }
    this.entries.set(name, {topic, stamp})
    return topic
  }

  /** The topic, created first when missing (another process may create it at the same moment). */
  getOrCreate(name: string, partitions: number): Topic {
    return this.get(name) ?? (this.log.openOrCreateTopic(name, {partitions}), this.get(name)!)
  }

  forget(name: string): void {
    this.entries.get(name)?.topic.close()
    this.entries.delete(name)
  }

  close(): void {
    for (const entry of this.entries.values()) entry.topic.close()
    this.entries.clear()
  }

  private stamp(name: string): string | undefined {
    const stat = fs.statSync(path.join(this.log.topics.topicDir(name), 'topic.json'), {throwIfNoEntry: false})
    return stat === undefined ? undefined : `${stat.ino}:${stat.mtimeMs}:${stat.size}`
  }
}
