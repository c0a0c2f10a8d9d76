/** Polls a snapshot source every `intervalMs` (unless paused) and keeps a minute of history. */
import {useEffect, useState} from 'react'
import type {Snapshot} from '../../core/stats/snapshot.js'

export const HISTORY_SAMPLES = 61

export function useSnapshots(take: () => Snapshot, intervalMs: number, paused: boolean): Snapshot[] {
  const [history, setHistory] = useState<Snapshot[]>(() => [take()])
  useEffect(() => {
    if (paused) return
    const timer = setInterval(() => setHistory((previous) => [...previous, take()].slice(-HISTORY_SAMPLES)), intervalMs)
    return () => clearInterval(timer)
  }, [take, intervalMs, paused])
  return history
}
