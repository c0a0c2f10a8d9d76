/** The group APIs, for dispatch.ts. */
import {API} from '../protocol/api-keys.js'
import type {ApiHandler} from './types.js'
import {handleFindCoordinator} from './find-coordinator.js'
import {handleJoinGroup} from './join-group.js'
import {handleSyncGroup} from './sync-group.js'
import {handleHeartbeat} from './heartbeat.js'
import {handleLeaveGroup} from './leave-group.js'
import {handleOffsetCommit} from './offset-commit.js'
import {handleOffsetFetch} from './offset-fetch.js'
import {handleListGroups} from './list-groups.js'
import {handleDescribeGroups} from './describe-groups.js'

export const GROUP_HANDLERS: Array<[number, ApiHandler]> = [
  [API.FindCoordinator, handleFindCoordinator],
  [API.JoinGroup, handleJoinGroup],
  [API.SyncGroup, handleSyncGroup],
  [API.Heartbeat, handleHeartbeat],
  [API.LeaveGroup, handleLeaveGroup],
  [API.OffsetCommit, handleOffsetCommit],
  [API.OffsetFetch, handleOffsetFetch],
  [API.ListGroups, handleListGroups],
  [API.DescribeGroups, handleDescribeGroups],
]
