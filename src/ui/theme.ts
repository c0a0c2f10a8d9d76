/** Semantic colours for the dashboard; the one ink-side place where NO_COLOR is honoured. */
export const colorsEnabled = !('NO_COLOR' in process.env && process.env.NO_COLOR !== '')

export type Role = 'title' | 'header' | 'selected' | 'dim' | 'alert' | 'ok' | 'rate'

const COLORS: Record<Role, string> = {title: 'cyan', header: 'white', selected: 'black', dim: 'gray', alert: 'red', ok: 'green', rate: 'yellow'}

/** Props for an ink <Text>: a colour only when colours are on. */
export function tone(role: Role): {color?: string; dimColor?: boolean; bold?: boolean} {
  if (!colorsEnabled) return role === 'header' || role === 'title' ? {bold: true} : {}
  if (role === 'dim') return {dimColor: true}
  return {color: COLORS[role], bold: role === 'title' || role === 'header'}
}
