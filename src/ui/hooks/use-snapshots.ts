/** Polls a stats source every `intervalMs` (not while paused) and keeps the last minute. */
import {useEffect, useState} from 'react'
import type {StatsSource} from '../../core/stats/snapshot.js'
import {addSample, type History} from '../top/history.js'

export interface Polled {
  history: History
  /** Why the last poll failed (the screen keeps the previous data), if it did. */
  error: string | undefined
}

export function useSnapshots(source: Pick<StatsSource, 'take'>, intervalMs: number, paused: boolean): Polled {
  const [polled, setPolled] = useState<Polled>(() => ({history: addSample(undefined, source.take()), error: undefined}))
  useEffect(() => {
    if (paused) return
    const timer = setInterval(() => {
      try {
        const snapshot = source.take()
        setPolled((previous) => ({history: addSample(previous.history, snapshot), error: undefined}))
      } catch (error) {
        setPolled((previous) => ({...previous, error: (error as Error).message}))
      }
    }, intervalMs)
    return () => clearInterval(timer)
  }, [source, intervalMs, paused])
  return polled
}
