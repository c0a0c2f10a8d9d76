/**
 * The newest messages of the one topic on screen, read again whenever a new snapshot arrives
 * (`tick`), so the tail follows the same 1 Hz rhythm and stops with pause.
 */
import {useEffect, useState} from 'react'
import type {StatsSource} from '../../core/stats/snapshot.js'
import type {TailRecord} from '../../core/stats/tail.js'

export function useTail(source: Pick<StatsSource, 'tail'>, topic: string | undefined, count: number, tick: number): TailRecord[] {
  const [tail, setTail] = useState<{topic: string | undefined; records: TailRecord[]}>({topic: undefined, records: []})
  useEffect(() => {
    if (topic === undefined || count <= 0) return
    setTail({topic, records: source.tail(topic, count)})
  }, [source, topic, count, tick])
  // Until the first read for a newly opened topic, show nothing rather than the previous topic.
  return tail.topic === topic ? tail.records : []
}
