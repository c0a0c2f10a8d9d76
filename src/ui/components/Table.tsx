/**
 * A generic table that fits the terminal width: fixed columns keep their width, `grow` columns
 * share what is left (a name, a sparkline), and `optional` ones are dropped, rightmost first, when
 * even the minimum does not fit. Rows scroll to keep the selected one (marked ›) in view.
 */
import {Box, Text} from 'ink'
import React from 'react'
import {useTheme, type Theme} from '../theme.js'

export type Tone = 'dim' | 'alert' | 'rate'

export interface Column<T> {
  header: string
  /** Minimum (and, without grow, exact) width in characters. */
  width: number
  align?: 'left' | 'right'
  /** Share of the spare width this column takes. */
  grow?: number
  maxWidth?: number
  /** May be dropped when the terminal is too narrow. */
  optional?: boolean
  cell: (row: T, width: number) => string
  tone?: (row: T) => Tone | undefined
}

export interface FittedColumn<T> {
  column: Column<T>
  width: number
}

/** Left gutter: '› ' on the selected row. */
export const GUTTER = 2

export function fitColumns<T>(columns: Array<Column<T>>, total: number): Array<FittedColumn<T>> {
  let chosen = [...columns]
  const needed = (cols: Array<Column<T>>) => GUTTER + cols.reduce((n, c) => n + c.width, 0) + Math.max(0, cols.length - 1)
  while (needed(chosen) > total) {
    const drop = chosen.map((c) => c.optional === true).lastIndexOf(true)
    if (drop < 0) break
    chosen = chosen.filter((_, i) => i !== drop)
  }
  const widths = chosen.map((c) => c.width)
  let spare = total - needed(chosen)
  const growers = chosen.map((c, i) => ({c, i})).filter(({c}) => (c.grow ?? 0) > 0)
  // Hand out spare characters in proportion to grow, respecting maxWidth; repeat for leftovers.
  while (spare > 0 && growers.some(({c, i}) => widths[i] < (c.maxWidth ?? Infinity))) {
    const open = growers.filter(({c, i}) => widths[i] < (c.maxWidth ?? Infinity))
    const weight = open.reduce((n, {c}) => n + (c.grow ?? 0), 0)
    let given = 0
    for (const {c, i} of open) {
      const share = Math.min(Math.max(1, Math.floor((spare * (c.grow ?? 0)) / weight)), (c.maxWidth ?? Infinity) - widths[i], spare - given)
      widths[i] += share
      given += share
    }
    spare -= given
    if (given === 0) break
  }
  return chosen.map((column, i) => ({column, width: widths[i]}))
}

/** Fits text into exactly `width` characters, cutting with … when too long. */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  if (width <= 0) return ''
  if (text.length > width) return width === 1 ? '…' : text.slice(0, width - 1) + '…'
  return align === 'right' ? text.padStart(width) : text.padEnd(width)
}

/** First and last+1 row index shown in `height` lines, keeping `selected` visible or starting at `offset`. */
export function scrollWindow(count: number, height: number, position: {selected?: number; offset?: number}): {start: number; end: number} {
  const lines = Math.max(0, height)
  const maxStart = Math.max(0, count - lines)
  let start: number
  if (position.selected !== undefined) start = Math.max(0, position.selected - lines + 1)
  else start = position.offset ?? 0
  start = Math.max(0, Math.min(start, maxStart))
  return {start, end: Math.min(count, start + lines)}
}

export function headerLine<T>(fitted: Array<FittedColumn<T>>): string {
  return ' '.repeat(GUTTER) + fitted.map(({column, width}) => pad(column.header, width, column.align)).join(' ')
}

export function rowLine<T>(fitted: Array<FittedColumn<T>>, row: T, selected: boolean, theme: Theme, rowTone?: Tone): string {
  const plain = selected || rowTone !== undefined
  const cells = fitted.map(({column, width}) => {
    const text = pad(column.cell(row, width), width, column.align)
    const tone = plain ? undefined : column.tone?.(row)
    return tone === undefined ? text : theme[tone](text)
  })
  const line = (selected ? '› ' : '  ') + cells.join(' ')
  if (selected) return theme.selected(line)
  return rowTone === undefined ? line : theme[rowTone](line)
}

export interface TableProps<T> {
  columns: Array<Column<T>>
  rows: T[]
  width: number
  /** Lines available, header included. */
  height: number
  rowKey: (row: T, index: number) => string
  /** Row index under the cursor, when this table has the focus. */
  selected?: number
  /** First row shown, when nothing is selected (a scrolled detail view). */
  offset?: number
  rowTone?: (row: T) => Tone | undefined
  empty?: string
  /** When rows do not all fit, give the last line to "+N more" (how many are not shown). */
  countHidden?: boolean
}

export function Table<T>({columns, rows, width, height, rowKey, selected, offset, rowTone, empty, countHidden}: TableProps<T>): React.JSX.Element {
  const theme = useTheme()
  const fitted = fitColumns(columns, width)
  // Without the count a long list ends at the bottom line as if that were all of it.
  const hiding = countHidden === true && rows.length > height - 1 && height >= 3
  const {start, end} = scrollWindow(rows.length, height - (hiding ? 2 : 1), {selected, offset})
  const shown = rows.slice(start, end)
  const above = start
  const below = rows.length - end
  return (
    <Box flexDirection="column" width={width} height={Math.max(1, height)} overflow="hidden">
      <Text wrap="truncate">{theme.header(headerLine(fitted))}</Text>
      {rows.length === 0 && empty !== undefined ? <Text wrap="truncate">{theme.dim('  ' + empty)}</Text> : null}
      {shown.map((row, i) => (
        <Text key={rowKey(row, start + i)} wrap="truncate">
          {rowLine(fitted, row, start + i === selected, theme, rowTone?.(row))}
        </Text>
      ))}
      {hiding ? <Text wrap="truncate">{theme.dim(`  +${above + below} more${above > 0 ? ` (${above} above, ${below} below)` : ''}`)}</Text> : null}
    </Box>
  )
}
