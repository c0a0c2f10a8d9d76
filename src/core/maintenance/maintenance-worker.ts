/**
 * The body of a maintenance thread (worker_threads): the passes a process's segment rolls made
 * due, run beside its appends instead of in a process of their own (which costs a Node start,
 * about 0.3 s of CPU, per pass). Started by a launcher (src/cli/background-cleaner.ts), which
 * hands whatever is still outstanding when its process exits to a detached `strom log clean`.
 *
 * Messages in: {ref: PartitionRef, seq}. Messages out: {done: partitionDir, seq} once a pass that
 * began after that request has finished (with `error` when it failed: the failure is recorded in
 * maintenance.json too, as for any pass).
 *
 * What runs here must never wait long for a lock, because a process cannot exit while one of its
 * threads is blocked in the kernel: the cleaner lock is only tried (another cleaner at work means
 * a retry a little later, from the event loop); the write lock and transaction state locks are
 * held by others for milliseconds.
 */
import os from 'node:os'
import {parentPort} from 'node:worker_threads'
import {Log, openLog} from '../log.js'
import {recoverTransactions} from '../txn/txn-coordinator.js'
import {maintainPartition} from './maintain.js'
import {PartitionRef, withCleanerLock} from './partition-ref.js'

export interface MaintenanceWorkRequest {
  ref: PartitionRef
  seq: number
}

export interface MaintenanceWorkDone {
  done: string
  seq: number
  error?: string
}

/** The maintenance thread's nice value (lower priority than the appends it runs beside). */
const MAINTENANCE_NICE = 10

/**
 * The least time between two passes over one partition. A burst of rolls (1 MiB segments filled at
 * 100 MB/s roll every 10 ms) would otherwise start a pass per roll, each spending its fixed costs
 * (seven fsyncs, listings, the record of the pass) on a segment or two, and those fsyncs stall the
 * producers' own segment creation in the journal. Kafka's cleaner rests log.cleaner.backoff.ms
 * (15 s) whenever nothing is cleanable; this only spaces passes, so maintenance lags a burst by
 * half a second at most.
 */
const PASS_SPACING_MS = 500

/** How long to wait before trying again when another cleaner holds the partition. */
const BUSY_RETRY_MS = 100

const port = parentPort
if (port === null) throw new Error('maintenance-worker.js runs as a worker thread only')

lowerThisThreadsPriority()

/** Requests not yet started, by partition directory (a newer request for a partition replaces the older). */
const queue = new Map<string, MaintenanceWorkRequest>()
/** When each partition may have its next pass (the end of its last pass plus the spacing, or a retry). */
const notBefore = new Map<string, number>()
const logs = new Map<string, Log>()
let timer: NodeJS.Timeout | undefined

port.on('message', (request: MaintenanceWorkRequest) => enqueue(request))

function enqueue(request: MaintenanceWorkRequest): void {
  queue.set(request.ref.partitionDir, request)
  schedule()
}

/**
 * Maintenance yields the CPU to appends and reads, as RocksDB's compaction threads do
 * (Env::LowerThreadPoolCPUPriority): at nice MAINTENANCE_NICE it takes whatever the process's other
 * threads leave, and still about a tenth of a core that they keep busy, so it never starves. On
 * Linux a priority is per thread (setpriority of "process" 0 is the calling thread); elsewhere it
 * would be the whole process's, so the thread is left as it is there.
 */
function lowerThisThreadsPriority(): void {
  if (process.platform !== 'linux') return
  try {
    os.setPriority(0, MAINTENANCE_NICE)
  } catch {
    // Not allowed (a seccomp profile, say): maintenance runs at the producer's priority.
  }
}

/** Arms the timer for the earliest queued partition that may run (one pass per timer, so messages are seen between passes). */
function schedule(): void {
  if (queue.size === 0) return
  let earliest = Number.POSITIVE_INFINITY
  for (const partitionDir of queue.keys()) earliest = Math.min(earliest, notBefore.get(partitionDir) ?? 0)
  const delay = Math.max(0, earliest - Date.now())
  if (timer !== undefined) clearTimeout(timer)
  timer = setTimeout(() => {
    timer = undefined
    runNext()
    schedule()
  }, delay)
}

function runNext(): void {
  const now = Date.now()
  const ready = [...queue.entries()].find(([partitionDir]) => (notBefore.get(partitionDir) ?? 0) <= now)
  if (ready === undefined) return
  const [partitionDir, request] = ready
  queue.delete(partitionDir)
  const {ref} = request
  let error: string | undefined
  try {
    // As `strom log clean` does first: transactions whose producer died or timed out are finished,
    // so their markers let compaction past them.
    // Inside the lock: while another cleaner holds the partition, the retries do not list the
    // transactions again every BUSY_RETRY_MS.
    let log = logs.get(ref.logDir)
    // Markers this thread writes may roll a segment: that pass is queued here too (the library's
    // default would run it on this thread waiting for the cleaner lock, which must never happen here).
    if (log === undefined) logs.set(ref.logDir, (log = openLog({dir: ref.logDir, maintenance: (rolled) => enqueue({ref: rolled, seq: 0})})))
    const done = withCleanerLock(partitionDir, () => {
      recoverTransactions(log)
      return maintainPartition(ref, {trigger: 'roll'})
    }, {wait: false})
    if (done === undefined) {
      // Another cleaner works on it: try again later (a newer request, if one came, supersedes this one).
      if (!queue.has(partitionDir)) queue.set(partitionDir, request)
      notBefore.set(partitionDir, Date.now() + BUSY_RETRY_MS)
      return
    }
  } catch (failure) {
    error = (failure as Error).message
  }
  notBefore.set(partitionDir, Date.now() + PASS_SPACING_MS)
  port!.postMessage({done: partitionDir, seq: request.seq, ...(error === undefined ? {} : {error})} satisfies MaintenanceWorkDone)
}
