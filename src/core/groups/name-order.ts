/**
 * The order of String#localeCompare for member ids and topic names, without paying for it: the
 * first localeCompare of a process builds ICU's collator (10-40 ms, more on a busy machine), and
 * every group member rebalances at least once. For strings made only of lowercase ASCII letters,
 * digits, '.' and '-' (member ids, most topic names) the collator's order is the order of UTF-16
 * code units (its punctuation sorts before digits, digits before letters, '-' before '.'; a unit
 * test checks this against localeCompare), so those are compared directly; anything else still
 * goes to localeCompare, so the order never changes.
 */
const PLAIN = /^[0-9a-z.-]*$/

export function compareNames(a: string, b: string): number {
  if (PLAIN.test(a) && PLAIN.test(b)) return a < b ? -1 : a > b ? 1 : 0
  return a.localeCompare(b)
}
