/**
 * Human-readable tables: boxed with cli-table3 on a terminal, plain aligned columns otherwise
 * (easy to read and to cut/awk in scripts). Colour (bold headers) as colorLevel decides.
 */
import {Chalk} from 'chalk'
import Table from 'cli-table3'
import {colorLevel, useColor} from './color.js'

export {useColor}

export function renderTable(head: string[], rows: Array<Array<string | number>>, stream: NodeJS.WriteStream = process.stdout): string {
  const cells = rows.map((row) => row.map(String))
  if (stream.isTTY) {
    const level = colorLevel(stream)
    const table = new Table({head: level > 0 ? head.map((h) => new Chalk({level}).bold(h)) : head, style: {head: [], border: []}})
    table.push(...cells)
    return table.toString() + '\n'
  }
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)))
  const line = (row: string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ').trimEnd()
  return [line(head), ...cells.map(line)].join('\n') + '\n'
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = -1
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`
}
