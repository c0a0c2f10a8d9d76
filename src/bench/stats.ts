/** Small statistics for benchmarks: percentiles over a sample, and rate formatting. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index]
}

export interface LatencySummary {
  count: number
  avgMs: number
  p50Ms: number
  p99Ms: number
  p999Ms: number
  maxMs: number
}

export function summarizeLatencies(samplesMs: number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b)
  const sum = sorted.reduce((a, b) => a + b, 0)
  return {
    count: sorted.length,
    avgMs: round(sorted.length === 0 ? 0 : sum / sorted.length),
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    p999Ms: round(percentile(sorted, 99.9)),
    maxMs: round(sorted.length === 0 ? 0 : sorted[sorted.length - 1]),
  }
}

export const round = (value: number, digits = 3): number => Number(value.toFixed(digits))

export function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`
  return perSecond.toFixed(0)
}
