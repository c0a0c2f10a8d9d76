/**
 * read_committed for one partition being read batch by batch: what LogReader, MergedLogReader and
 * GroupConsumer ask before handing a batch's records on. A batch at or above the last stable offset
 * waits (the reader seeks back to it and comes again later); an aborted transaction's batch and
 * every control batch are skipped; the rest is read.
 */
import {BATCH, readInt64} from '../format/record-batch.js'
import type {Topic} from '../log.js'
import {AbortedFilter, TransactionsView, abortedTransactions} from './isolation.js'

export type GateVerdict = 'read' | 'skip' | 'wait'

export class CommittedGate {
  /** Offsets from here on are not stable yet (the last stable offset when last looked). */
  private stableEnd = Number.MAX_SAFE_INTEGER
  private filter: AbortedFilter | undefined

  constructor(private readonly topic: Topic, private readonly partition: number) {}

  /**
   * The partition's last stable offset and the aborted transactions from `position` up to it, as
   * of now. Order matters: the end offset first, then the transaction states, then the .txnindex
   * files. A transaction with data below that end joined the partition before the end was read, so
   * the states read after it show it (open, or decided); an abort completed before its state says
   * so has its index entry written, so the index read last has it.
   */
  refresh(position: number): void {
    const reader = this.topic.reader(this.partition)
    const endOffset = reader.endOffset()
    const view = new TransactionsView(this.topic.log.dir)
    const stable = view.lastStableOffset(this.topic.name, this.partition, endOffset)
    if (stable === this.stableEnd && this.filter !== undefined) return
    this.stableEnd = stable
    this.filter = new AbortedFilter(abortedTransactions(this.topic.partitionDir(this.partition), reader.refreshSegmentBases(), view, this.topic.name, this.partition, position, stable))
  }

  /** What to do with the batch at buf[at]; `position` is the reader's next offset to emit. */
  check(buf: Buffer, at: number, position: number): GateVerdict {
    const baseOffset = readInt64(buf, at + BATCH.baseOffset)
    if (baseOffset >= this.stableEnd || this.filter === undefined) this.refresh(position)
    if (baseOffset >= this.stableEnd) return 'wait'
    return this.filter!.skip(buf, at) ? 'skip' : 'read'
  }
}
