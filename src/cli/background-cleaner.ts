/**
 * The CLI's maintenance launcher. When a roll makes retention or compaction due, the pass runs on
 * a maintenance thread of this process (core/maintenance/maintenance-worker.ts), beside the
 * appends and never inside one: a pass costs what it does, not a Node start as well (a detached
 * process per pass spent about 0.3 s of CPU starting, more than compacting a few MiB). Whatever
 * is still outstanding when this process exits (queued, or cut off mid-pass: every pass is crash
 * safe) is handed to `strom log clean TOPIC --background`, started detached (its own process
 * group, no stdio, unref'd), so it finishes after the producer has gone, as before. The thread
 * starts a moment after the first request, so a `strom produce` that rolls and exits at once
 * starts only the detached cleaner; if the thread cannot run, the detached cleaner does every pass.
 *
 * Passes work under the partition's cleaner lock (core/maintenance/partition-ref.ts), so the
 * thread, detached cleaners, other processes and `strom log clean` never clean a partition at once.
 */
import {spawn} from 'node:child_process'
import path from 'node:path'
import {Worker} from 'node:worker_threads'
import type {MaintenanceWorkDone, MaintenanceWorkRequest} from '../core/maintenance/maintenance-worker.js'
import type {MaintenanceLauncher, MaintenanceRequest} from '../core/maintenance/scheduler.js'

/** How long after the first request the thread starts (a process that exits sooner hands its work over at once). */
const WORKER_START_DELAY_MS = 25

export function backgroundCleaner(binPath: string, workerPath: string): MaintenanceLauncher {
  const fallback = detachedCleaner(binPath)
  let worker: Worker | undefined
  let starting: NodeJS.Timeout | undefined
  let broken = false
  let seq = 0
  /** Requests the thread has not finished yet, by partition directory (the newest per partition). */
  const outstanding = new Map<string, MaintenanceWorkRequest>()
  const handOff = () => {
    const topics = new Map<string, MaintenanceRequest>()
    for (const {ref} of outstanding.values()) topics.set(`${ref.logDir}\0${ref.topic}`, ref)
    outstanding.clear()
    for (const ref of topics.values()) spawnCleaner(binPath, ref)
  }
  process.once('exit', handOff)
  const startWorker = () => {
    starting = undefined
    let started: Worker
    try {
      started = new Worker(workerPath)
    } catch {
      broken = true
      handOff()
      return
    }
    started.on('message', (message: MaintenanceWorkDone) => {
      const pending = outstanding.get(message.done)
      if (pending !== undefined && pending.seq <= message.seq) outstanding.delete(message.done)
    })
    // The thread failed (it could not load, or died): detached cleaners take over its work and what follows.
    started.on('error', () => {
      broken = true
      worker = undefined
      handOff()
    })
    started.on('exit', () => {
      if (worker === started) worker = undefined
    })
    // After the listeners: adding a 'message' listener refs the worker again, and it must not keep this process alive.
    started.unref()
    worker = started
    for (const request of outstanding.values()) started.postMessage(request)
  }
  return (request) => {
    if (broken) {
      fallback(request)
      return
    }
    const work: MaintenanceWorkRequest = {ref: request, seq: ++seq}
    outstanding.set(request.partitionDir, work)
    if (worker !== undefined) worker.postMessage(work)
    else if (starting === undefined) {
      starting = setTimeout(startWorker, WORKER_START_DELAY_MS)
      starting.unref()
    }
  }
}

interface Running {
  request: MaintenanceRequest
  pending: boolean
}

/**
 * One detached `strom log clean` per topic at a time (the fallback when no maintenance thread can
 * run): rolls while it runs are remembered and start one more pass when it exits (or, if this
 * process exits first, right then).
 */
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
