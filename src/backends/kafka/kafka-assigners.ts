/**
 * strom's range and roundrobin strategies (src/core/groups/assignors.ts) as kafkajs partition
 * assigners. They carry the protocol names Kafka's Java client and librdkafka use ("range",
 * "roundrobin") and the standard subscription format, so a `strom consume --group` member can share
 * a group with kcat or Java consumers. Sticky needs the previous assignment in a Java-specific
 * userData format, so it is not offered on Kafka.
 */
import type {PartitionAssigner} from 'kafkajs'
import {createRequire} from 'node:module'
import {Strategy, assign, parseTpKey} from '../../core/groups/assignors.js'

const require = createRequire(import.meta.url)
const {AssignerProtocol} = require('kafkajs') as typeof import('kafkajs')

interface ClusterView {
  addMultipleTargetTopics(topics: string[]): Promise<void>
  findTopicPartitionMetadata(topic: string): unknown[]
}

export function strategyAssigner(strategy: Exclude<Strategy, 'sticky'>): PartitionAssigner {
  return ({cluster}) => ({
    name: strategy,
    version: 0,
    protocol({topics}) {
      return {name: strategy, metadata: AssignerProtocol.MemberMetadata.encode({version: 0, topics, userData: Buffer.alloc(0)})}
    },
    async assign({members, topics}) {
      const view = cluster as unknown as ClusterView
      const subscriptions: Record<string, string[]> = {}
      for (const member of members) {
        const metadata = AssignerProtocol.MemberMetadata.decode(member.memberMetadata)
        subscriptions[member.memberId] = metadata?.topics ?? topics
      }
      const all = [...new Set(Object.values(subscriptions).flat())]
      await view.addMultipleTargetTopics(all)
      const partitionCounts: Record<string, number> = {}
      for (const topic of all) partitionCounts[topic] = view.findTopicPartitionMetadata(topic).length
      const assignment = assign(strategy, {subscriptions, partitionCounts})
      return members.map(({memberId}) => {
        const byTopic: Record<string, number[]> = {}
        for (const key of assignment[memberId] ?? []) {
          const {topic, partition} = parseTpKey(key)
          ;(byTopic[topic] ??= []).push(partition)
        }
        return {memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({version: 0, assignment: byTopic, userData: Buffer.alloc(0)})}
      })
    },
  })
}
