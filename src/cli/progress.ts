/**
 * A one-line progress bar on stderr with rate and ETA, for long commands. Drawn only when stderr is
 * a terminal (never into a pipe or a log file), at most 10 times a second, and erased at the end.
 */
export class Progress {
  private done = 0
  private lastDrawMs = 0
  private readonly startedMs = Date.now()
  private readonly enabled: boolean

  constructor(private readonly label: string, private readonly total: number, private readonly unit: string, stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = Boolean(stream.isTTY) && total > 0 && process.env.CI === undefined
    this.stream = stream
  }

  private readonly stream: NodeJS.WriteStream

  advance(amount: number): void {
    this.done += amount
    if (!this.enabled) return
    const now = Date.now()
    if (now - this.lastDrawMs < 100) return
    this.lastDrawMs = now
    this.draw(now)
  }

  finish(): void {
    if (this.enabled && this.lastDrawMs > 0) this.stream.write('\r\u001b[2K')
  }

  private draw(now: number): void {
    const fraction = Math.min(1, this.done / this.total)
    const seconds = (now - this.startedMs) / 1000
    const rate = seconds > 0 ? this.done / seconds : 0
    const eta = rate > 0 ? Math.max(0, (this.total - this.done) / rate) : 0
    const width = Math.max(10, Math.min(30, (this.stream.columns ?? 80) - 60))
    const filled = Math.round(fraction * width)
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled)
    this.stream.write(`\r\u001b[2K${this.label} ${bar} ${(fraction * 100).toFixed(0).padStart(3)}%  ${formatRate(rate)} ${this.unit}/s  ETA ${formatDuration(eta)}`)
  }
}

function formatRate(rate: number): string {
  if (rate >= 1e6) return `${(rate / 1e6).toFixed(1)}M`
  if (rate >= 1e3) return `${(rate / 1e3).toFixed(1)}k`
  return rate.toFixed(0)
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(0)}s`
  const minutes = Math.floor(seconds / 60)
  return minutes < 60 ? `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s` : `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}
