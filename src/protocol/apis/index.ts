/** Every API strom declares, by key. */
import type {ApiSchema} from '../api.js'
import {AddOffsetsToTxn} from './add-offsets-to-txn.js'
import {AddPartitionsToTxn} from './add-partitions-to-txn.js'
import {AlterConfigs, IncrementalAlterConfigs} from './alter-configs.js'
import {ApiVersions} from './api-versions.js'
import {CreatePartitions} from './create-partitions.js'
import {CreateTopics} from './create-topics.js'
import {DeleteGroups} from './delete-groups.js'
import {DeleteRecords} from './delete-records.js'
import {DeleteTopics} from './delete-topics.js'
import {DescribeCluster} from './describe-cluster.js'
import {DescribeConfigs} from './describe-configs.js'
import {DescribeGroups} from './describe-groups.js'
import {DescribeTransactions} from './describe-transactions.js'
import {EndTxn} from './end-txn.js'
import {Fetch} from './fetch.js'
import {FindCoordinator} from './find-coordinator.js'
import {Heartbeat} from './heartbeat.js'
import {InitProducerId} from './init-producer-id.js'
import {JoinGroup} from './join-group.js'
import {LeaveGroup} from './leave-group.js'
import {ListGroups} from './list-groups.js'
import {ListOffsets} from './list-offsets.js'
import {ListTransactions} from './list-transactions.js'
import {Metadata} from './metadata.js'
import {OffsetCommit} from './offset-commit.js'
import {OffsetDelete} from './offset-delete.js'
import {OffsetFetch} from './offset-fetch.js'
import {Produce} from './produce.js'
import {SaslAuthenticate, SaslHandshake} from './sasl.js'
import {SyncGroup} from './sync-group.js'
import {TxnOffsetCommit} from './txn-offset-commit.js'

export {AddOffsetsToTxn, AddPartitionsToTxn, AlterConfigs, ApiVersions, CreatePartitions, CreateTopics, DeleteGroups, DeleteRecords, DeleteTopics, DescribeCluster, DescribeConfigs, DescribeGroups, DescribeTransactions, EndTxn, Fetch, FindCoordinator, Heartbeat, IncrementalAlterConfigs, InitProducerId, JoinGroup, LeaveGroup, ListGroups, ListOffsets, ListTransactions, Metadata, OffsetCommit, OffsetDelete, OffsetFetch, Produce, SaslAuthenticate, SaslHandshake, SyncGroup, TxnOffsetCommit}

export const APIS: readonly ApiSchema[] = [
  Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch, FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup,
  DescribeGroups, ListGroups, SaslHandshake, ApiVersions, CreateTopics, DeleteTopics, DeleteRecords, InitProducerId, AddPartitionsToTxn,
  AddOffsetsToTxn, EndTxn, TxnOffsetCommit, DescribeConfigs, AlterConfigs, SaslAuthenticate, CreatePartitions, DeleteGroups,
  IncrementalAlterConfigs, OffsetDelete, DescribeCluster, DescribeTransactions, ListTransactions,
]

export const API_BY_KEY: ReadonlyMap<number, ApiSchema> = new Map(APIS.map((a) => [a.key, a]))
