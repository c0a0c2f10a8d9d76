import {describe, expect, it} from 'vitest'
import {sparkline} from '../../../src/ui/components/sparkline.js'
import {fitColumns, headerLine, pad, rowLine, scrollWindow, type Column} from '../../../src/ui/components/Table.js'
import {formatBytesShort, formatCount, oneLine} from '../../../src/ui/format.js'
import {createTheme} from '../../../src/ui/theme.js'
import {compactAssignment, groupDetailLayout} from '../../../src/ui/top/GroupDetail.js'
import {splitPanes} from '../../../src/ui/top/TopApp.js'
import {topicDetailLayout} from '../../../src/ui/top/TopicDetail.js'

type Row = {name: string; n: number}
const COLUMNS: Array<Column<Row>> = [
  {header: 'NAME', width: 6, grow: 1, maxWidth: 12, cell: (r) => r.name},
  {header: 'N', width: 4, align: 'right', cell: (r) => String(r.n)},
  {header: 'EXTRA', width: 10, optional: true, cell: () => 'x'},
  {header: 'SPARK', width: 4, grow: 2, optional: true, cell: (_, width) => '▁'.repeat(width)},
]

describe('Table layout', () => {
  it('gives spare width to grow columns in proportion, up to their maximum', () => {
    const fitted = fitColumns(COLUMNS, 50)
    expect(fitted.map((f) => f.width)).toEqual([12, 4, 10, 19])
    expect(2 + fitted.reduce((n, f) => n + f.width, 0) + fitted.length - 1).toBe(50)
  })

  it('drops optional columns, rightmost first, when the minimum does not fit', () => {
    expect(fitColumns(COLUMNS, 29).map((f) => f.column.header)).toEqual(['NAME', 'N', 'EXTRA', 'SPARK'])
    expect(fitColumns(COLUMNS, 28).map((f) => f.column.header)).toEqual(['NAME', 'N', 'EXTRA'])
    expect(fitColumns(COLUMNS, 20).map((f) => f.column.header)).toEqual(['NAME', 'N'])
  })

  it('pads and cuts cells to their width', () => {
    expect(pad('abc', 5)).toBe('abc  ')
    expect(pad('abc', 5, 'right')).toBe('  abc')
    expect(pad('abcdef', 4)).toBe('abc…')
    const fitted = fitColumns(COLUMNS, 20)
    expect(headerLine(fitted)).toBe('  NAME            N')
    const theme = createTheme(0)
    expect(rowLine(fitted, {name: 'a-very-long-name', n: 7}, true, theme)).toBe('› a-very-long…    7')
    expect(rowLine(fitted, {name: 'b', n: 12}, false, theme)).toBe('  b              12')
  })

  it('scrolls to keep the selected row in view, or from an offset, never past the end', () => {
    expect(scrollWindow(10, 4, {selected: 0})).toEqual({start: 0, end: 4})
    expect(scrollWindow(10, 4, {selected: 6})).toEqual({start: 3, end: 7})
    expect(scrollWindow(10, 4, {offset: 8})).toEqual({start: 6, end: 10})
    expect(scrollWindow(2, 4, {offset: 1})).toEqual({start: 0, end: 2})
  })
})

describe('sparklines and formats', () => {
  it('draws fixed-width sparklines scaled to the largest value; any non-zero value is visible', () => {
    expect(sparkline([0, 4, 8], 5)).toBe('  ▁▅█')
    expect(sparkline([1, 1000], 2)).toBe('▂█')
    expect(sparkline([0, 0], 2)).toBe('▁▁')
    expect(sparkline([1, 2, 3, 4, 5], 3)).toBe('▅▇█')
    expect(sparkline([1], 0)).toBe('')
  })

  it('formats counts, sizes and message text for cells', () => {
    expect([formatCount(0), formatCount(2.5), formatCount(9999), formatCount(12_345), formatCount(2_500_000)]).toEqual(['0', '2.5', '9999', '12k', '2.5M'])
    expect([formatBytesShort(1000), formatBytesShort(1536), formatBytesShort(20 * 1024 * 1024)]).toEqual(['1000B', '1.5K', '20M'])
    expect(oneLine('a\nb\tc\u001b[31m')).toBe('a·b·c·[31m')
    expect(oneLine(null)).toBe('(null)')
  })

  it('writes an assignment compactly', () => {
    expect(compactAssignment(['t:2', 't:0', 't:1', 'a.b:5', 't:7'])).toBe('a.b:5 t:0-2,7')
    expect(compactAssignment([])).toBe('')
  })
})

describe('screen layout', () => {
  it('splits the body between topics and groups', () => {
    expect(splitPanes(21, 5, 4)).toEqual({topics: 5, groups: 16})
    expect(splitPanes(21, 100, 4)).toEqual({topics: 17, groups: 4})
    expect(splitPanes(21, 4, 100)).toEqual({topics: 4, groups: 17})
    expect(splitPanes(21, 100, 100)).toEqual({topics: 11, groups: 10})
  })

  it('lays out the detail views within the height and scrolls only as far as needed', () => {
    expect(topicDetailLayout(21, 3)).toEqual({partitionLines: 4, tailLines: 15, maxScroll: 0})
    expect(topicDetailLayout(21, 40)).toEqual({partitionLines: 9, tailLines: 10, maxScroll: 32})
    expect(groupDetailLayout(21, 2, 40)).toEqual({memberLines: 3, partitionLines: 17, maxScroll: 24})
  })
})
