/** Short, fixed-width friendly renderings of counts, sizes and times for dashboard cells. */

export function formatCount(value: number): string {
  if (value >= 1e9) return `${(value / 1e9).toFixed(1)}G`
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)}M`
  if (value >= 1e4) return `${(value / 1e3).toFixed(0)}k`
  if (value > 0 && value < 10 && !Number.isInteger(value)) return value.toFixed(1)
  return String(Math.round(value))
}

/** NaN means unknown (a Kafka cluster reports no sizes): shown as "-". */
export function formatBytesShort(value: number): string {
  if (!Number.isFinite(value)) return '-'
  const units = ['B', 'K', 'M', 'G', 'T']
  let v = value
  let u = 0
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024
    u++
  }
  return `${v >= 10 || u === 0 ? v.toFixed(0) : v.toFixed(1)}${units[u]}`
}

/** HH:MM:SS.mmm in UTC, as the other commands print times. */
export function formatClock(ms: number, withMillis = false): string {
  return new Date(ms).toISOString().slice(11, withMillis ? 23 : 19)
}

/** Message bytes as one printable line: control characters (a newline, an escape) become '·'. */
export function oneLine(text: string | null): string {
  if (text === null) return '(null)'
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '·')
}
