/** Fixed-width block sparklines: one character per sample, the newest on the right. */

const BLOCKS = '▁▂▃▄▅▆▇█'

/**
 * The newest `width` values scaled to the largest of them; padded on the left with spaces while
 * there is less history than width. All zeros draw a flat baseline.
 */
export function sparkline(values: number[], width: number): string {
  if (width <= 0) return ''
  const tail = values.slice(-width)
  let max = 0
  for (const v of tail) if (v > max) max = v
  let line = ''
  for (const v of tail) line += max <= 0 || v <= 0 ? BLOCKS[0] : BLOCKS[Math.max(1, Math.min(BLOCKS.length - 1, Math.round((v / max) * (BLOCKS.length - 1))))]
  return line.padStart(width, ' ')
}
