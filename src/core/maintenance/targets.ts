/** Which partitions a `strom log ...` command works on: one topic (optionally some partitions) or every topic. */
import type {Log} from '../log.js'
import {PartitionRef, partitionRefs} from './partition-ref.js'

export function maintenanceTargets(log: Log, topicName?: string, partitions?: number[]): PartitionRef[] {
  const names = topicName === undefined ? log.listTopics() : [topicName]
  return names.flatMap((name) => {
    const topic = log.topic(name)
    for (const p of partitions ?? []) topic.checkPartition(p)
    return partitionRefs(topic, partitions)
  })
}
