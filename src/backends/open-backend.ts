/**
 * Opens the backend a target names. The Kafka client library loads only here, on the Kafka path,
 * so commands on a log directory start without it.
 */
import {openLog} from '../core/log.js'
import type {MaintenanceLauncher} from '../core/maintenance/scheduler.js'
import type {Backend} from './backend.js'
import {FileBackend} from './file/file-backend.js'
import type {BackendTarget} from './target.js'

/** `create`: whether a log directory that does not exist yet is made (see OpenLogOptions); `maintenance`: see OpenLogOptions. */
export async function openBackend(target: BackendTarget, onWarning: (message: string) => void, dirOptions: {create?: boolean; onCreated?: (dir: string) => void; maintenance?: MaintenanceLauncher} = {}): Promise<Backend> {
  if (target.kind === 'dir') return new FileBackend(openLog({dir: target.dir, onWarning, ...dirOptions}))
  const {KafkaBackend} = await import('./kafka/kafka-backend.js')
  return KafkaBackend.connect(target, onWarning)
}
