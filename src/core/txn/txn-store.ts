/**
 * The transaction coordinator's state in a log directory: one small JSON file per transactional id,
 * changed only under that id's lock, replaced atomically (a crash leaves the old or the new state).
 * Kafka keeps the same facts in its `__transaction_state` topic (TransactionMetadata).
 *
 *   <dir>/transactions/<id>/LOCK           permanent lock file (mutations of state.json)
 *   <dir>/transactions/<id>/state.json     {"version":1,"transactionalId":"id","producerId":N,
 *                                           "producerEpoch":E,"timeoutMs":ms,"state":S,
 *                                           "startedMs":ms,"partitions":{topic:{partition:firstOffset}},
 *                                           "offsets":{group:{topic:{partition:{"offset":N,"metadata":""}}}},
 *                                           "crc32c":"8 hex digits"}
 *   <dir>/transactions/<id>/alive-<E>      liveness token: the producer of epoch E holds an OS lock on
 *                                           it for its whole life (the kernel frees it when it dies)
 *   <dir>/transactions/changes~            one byte appended after every state.json written (replaced by an
 *                                           empty file past 64 KiB): its inode and size
 *                                           says whether any state changed since a reader last listed
 *                                           them (TransactionStatesCache); `~` is in no id's directory name
 *
 * S is Kafka's TransactionState name: Empty, Ongoing, PrepareCommit, PrepareAbort, CompleteCommit,
 * CompleteAbort. `partitions` maps each partition in the transaction to the partition's end offset
 * when it joined (a lower bound of the transaction's first offset there); `offsets` holds the
 * consumer offsets the transaction commits (TxnOffsetCommit), applied to the groups' offsets.json
 * only when it commits. The id's directory name is the id where it is a legal topic-style name,
 * else its characters outside [A-Za-z0-9._-] as %XX (UTF-8 bytes), so no id escapes `transactions/`.
 * crc32c: CRC-32C of the object without that field, serialised compactly (as in group files).
 */
import fs from 'node:fs'
import path from 'node:path'
import {StromError} from '../errors.js'
import {crc32c} from '../format/crc32c.js'
import {writeFileAtomic, writeJsonAtomic} from '../io/atomic-file.js'
import {FileLock, fileLockFor, isLockedElsewhere} from '../io/file-lock.js'

export const TXN_STATE_VERSION = 1
export const TRANSACTIONS_DIR = 'transactions'
const CHANGES_FILE = 'changes~'

export type TxnStateName = 'Empty' | 'Ongoing' | 'PrepareCommit' | 'PrepareAbort' | 'CompleteCommit' | 'CompleteAbort'
const STATE_NAMES: TxnStateName[] = ['Empty', 'Ongoing', 'PrepareCommit', 'PrepareAbort', 'CompleteCommit', 'CompleteAbort']

export interface PendingOffset {
  offset: number
  metadata: string
}

export interface TxnState {
  transactionalId: string
  producerId: number
  producerEpoch: number
  timeoutMs: number
  state: TxnStateName
  /** When the transaction became Ongoing (its first partition or offsets); 0 when none is. */
  startedMs: number
  partitions: Record<string, Record<string, number>>
  offsets: Record<string, Record<string, Record<string, PendingOffset>>>
}

const LEGAL = /^[A-Za-z0-9._-]+$/

/** The directory name for a transactional id (see the header). */
export function transactionDirName(id: string): string {
  if (id.length === 0) throw new StromError('INVALID_NAME', 'invalid transactional id: the id is empty', {hint: 'give a non-empty transactional id'})
  if (LEGAL.test(id) && id !== '.' && id !== '..') return id
  let out = ''
  for (const byte of Buffer.from(id, 'utf8')) {
    const ch = String.fromCharCode(byte)
    out += byte < 0x80 && /[A-Za-z0-9_-]/.test(ch) ? ch : '%' + byte.toString(16).toUpperCase().padStart(2, '0')
  }
  return out
}

function checksumOf(payload: object): string {
  return crc32c(Buffer.from(JSON.stringify(payload))).toString(16).padStart(8, '0')
}

export class TransactionFiles {
  readonly dir: string
  readonly lock: FileLock

  /**
   * Whether state writes are fsynced. Off by default, as strom's appends (and Kafka's broker, which
   * relies on replication) do not fsync: a state replaced by rename survives any process crash;
   * only an OS crash or power loss may lose the latest transactions, as it may lose the latest
   * appends. `sync` producers (produce --sync, process --sync) turn it on.
   */
  durable = false

  constructor(readonly logDir: string, readonly transactionalId: string) {
    this.dir = path.join(logDir, TRANSACTIONS_DIR, transactionDirName(transactionalId))
    this.lock = fileLockFor(path.join(this.dir, 'LOCK'))
  }

  get stateFile(): string {
    return path.join(this.dir, 'state.json')
  }

  aliveFile(epoch: number): string {
    return aliveFileOf(this.logDir, this.transactionalId, epoch)
  }

  ensureDir(): void {
    fs.mkdirSync(this.dir, {recursive: true})
  }

  /** Runs `work` under the id's lock (synchronous, as every strom critical section). */
  withLock<T>(work: () => T): T {
    this.ensureDir()
    return this.lock.withLock(work)
  }

  read(): TxnState | undefined {
    return readTxnState(this.stateFile)
  }

  /** Caller holds the lock. */
  write(state: TxnState): void {
    const payload = {version: TXN_STATE_VERSION, ...state}
    writeJsonAtomic(this.stateFile, {...payload, crc32c: checksumOf(payload)}, {durable: this.durable})
    // After the state, before anything the state allows (an append, an answer): a cached listing
    // is stale at worst by a change nothing depends on yet.
    const changes = path.join(this.logDir, TRANSACTIONS_DIR, CHANGES_FILE)
    fs.appendFileSync(changes, '.')
    // Kept small: past 64 KiB it is replaced by a new, empty file (a new inode, so no cache can
    // mistake the restarted count for the one it saw).
    if ((fs.statSync(changes, {throwIfNoEntry: false})?.size ?? 0) > 65_536) writeFileAtomic(changes, '')
  }

  /** Whether the producer of this epoch is still running (holds its liveness token). */
  ownerAlive(epoch: number): boolean {
    return isLockedElsewhere(this.aliveFile(epoch))
  }
}

/** Reads and checks a state.json; undefined when it does not exist. */
export function readTxnState(file: string): TxnState | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    // ENOTDIR: not an id's directory (transactions/changes~).
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
  const damaged = (reason: string) =>
    new StromError('CORRUPT_TRANSACTION_STATE', `${file} is damaged: ${reason}`, {
      hint: `stop the producers using this transactional id, then move the file aside (mv ${file} ${file}.damaged): its transaction then counts as aborted and the next producer with that id starts afresh`,
      details: {file},
    })
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw damaged(`not valid JSON (${(error as Error).message})`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw damaged('not a JSON object')
  const {crc32c: stored, version, ...state} = value as Record<string, unknown>
  if (version !== TXN_STATE_VERSION) {
    if (typeof version === 'number' && version > TXN_STATE_VERSION) throw new StromError('FORMAT_VERSION', `${file} has version ${version}, newer than this strom understands (${TXN_STATE_VERSION})`, {hint: 'upgrade strom'})
    throw damaged(`bad "version" ${JSON.stringify(version)}`)
  }
  if (stored !== checksumOf({version, ...state})) throw damaged(`checksum mismatch (stored ${JSON.stringify(stored)})`)
  const s = state as unknown as TxnState
  if (typeof s.transactionalId !== 'string' || !Number.isSafeInteger(s.producerId) || !Number.isSafeInteger(s.producerEpoch) || !STATE_NAMES.includes(s.state)) {
    throw damaged('a field is missing or of the wrong type')
  }
  return s
}

/** The liveness token of a transactional id's epoch (see the header). */
export function aliveFileOf(logDir: string, transactionalId: string, epoch: number): string {
  return path.join(logDir, TRANSACTIONS_DIR, transactionDirName(transactionalId), `alive-${epoch}`)
}

/** Where each transactional id's state.json would be, sorted by directory name (none when there is no transactions/). */
export function transactionStateFiles(logDir: string): Array<{dirName: string; file: string}> {
  const root = path.join(logDir, TRANSACTIONS_DIR)
  // Most log directories never see a transaction, and serve asks on every fetch: no exception for that.
  if (fs.statSync(root, {throwIfNoEntry: false}) === undefined) return []
  let names: string[]
  try {
    names = fs.readdirSync(root)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  return names.filter((name) => name !== CHANGES_FILE).sort().map((dirName) => ({dirName, file: path.join(root, dirName, 'state.json')}))
}

/** The state files of every transactional id in the log directory (for readers: no lock taken). */
export function listTransactionStates(logDir: string): TxnState[] {
  const states: TxnState[] = []
  for (const file of transactionStateFiles(logDir)) {
    const state = readTxnStateCached(file.file)
    if (state !== undefined) states.push(state)
  }
  return states
}

/**
 * read_committed readers list the states often (each time they reach the last stable offset): a
 * state file whose identity (inode, size, mtime) did not change since it was parsed is not read
 * again. Files are replaced by rename, so a change always shows as a new inode.
 */
const parsedStates = new Map<string, {ino: bigint; size: bigint; mtimeNs: bigint; state: TxnState}>()

function readTxnStateCached(file: string): TxnState | undefined {
  const stat = fs.statSync(file, {bigint: true, throwIfNoEntry: false})
  if (stat === undefined) {
    parsedStates.delete(file)
    return undefined
  }
  const cached = parsedStates.get(file)
  if (cached !== undefined && cached.ino === stat.ino && cached.size === stat.size && cached.mtimeNs === stat.mtimeNs) return cached.state
  const state = readTxnState(file)
  if (state === undefined) return undefined
  if (parsedStates.size > 10_000) parsedStates.clear()
  parsedStates.set(file, {ino: stat.ino, size: stat.size, mtimeNs: stat.mtimeNs, state})
  return state
}

export function transactionFiles(logDir: string, id: string): TransactionFiles {
  return new TransactionFiles(logDir, id)
}

/**
 * The state files of a log directory, listed again only when one changed (the size of `changes~`;
 * see the header): for a server that looks at them on every fetch. Without the file (no state
 * written by this strom yet) every call lists them.
 */
export class TransactionStatesCache {
  private key: string | undefined
  private cached: TxnState[] = []

  constructor(readonly logDir: string) {}

  states(): TxnState[] {
    const stat = fs.statSync(path.join(this.logDir, TRANSACTIONS_DIR, CHANGES_FILE), {throwIfNoEntry: false})
    if (stat === undefined) return listTransactionStates(this.logDir)
    // Taken before the listing: a change during it makes the next call list again.
    const key = `${stat.ino}:${stat.size}`
    if (key !== this.key) {
      this.cached = listTransactionStates(this.logDir)
      this.key = key
    }
    return this.cached
  }
}
