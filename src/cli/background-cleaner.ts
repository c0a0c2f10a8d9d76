/**
 * The CLI's maintenance launcher: when a roll makes retention or compaction due, start
 * `strom log clean TOPIC --background` as a detached process (its own process group, no stdio,
 * unref'd), so neither `produce` nor a `serve` request waits for it and it finishes even when the
 * producer has exited. The cleaner works under the partition's cleaner lock (see
 * core/maintenance/partition-ref.ts) and waits for another cleaner rather than skipping, so a
 * pass scheduled while one runs still sees the newest segments. One child per topic at a time:
 * rolls while it runs are remembered and start one more pass when it exits (or, if this process
 * exits first, right then).
 */
import {spawn} from 'node:child_process'
import path from 'node:path'
import type {MaintenanceLauncher, MaintenanceRequest} from '../core/maintenance/scheduler.js'

interface Running {
  request: MaintenanceRequest
  pending: boolean
}

export function detachedCleaner(binPath: string): MaintenanceLauncher {
  const running = new Map<string, Running>()
  const start = (key: string, request: MaintenanceRequest): void => {
    const state: Running = {request, pending: false}
    running.set(key, state)
    const child = spawnCleaner(binPath, request)
    const done = () => {
      if (running.get(key) !== state) return
      running.delete(key)
      if (state.pending) start(key, state.request)
    }
    child.once('exit', done)
    child.once('error', done)
  }
  process.once('exit', () => {
    // Rolls since the last cleaner started: it may have planned before them, so one more pass.
    for (const state of running.values()) if (state.pending) spawnCleaner(binPath, state.request)
    running.clear()
  })
  return (request) => {
    const key = `${request.logDir}\0${request.topic}`
    const state = running.get(key)
    if (state !== undefined) state.pending = true
    else start(key, request)
  }
}

function spawnCleaner(binPath: string, request: MaintenanceRequest) {
  const child = spawn(process.execPath, [binPath, 'log', 'clean', request.topic, '--background', '--dir', path.resolve(request.logDir)], {
    detached: true,
    stdio: 'ignore',
    env: process.env,
  })
  child.unref()
  return child
}
