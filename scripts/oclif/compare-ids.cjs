// Replaces `a.id.localeCompare(b.id)` in oclif's sort of a plugin's commands, inside
// dist/oclif.js only (scripts/bundle-oclif.mjs). A process's first localeCompare builds an ICU
// collator (10-40 ms), and oclif sorts the command ids at every start. For ids made of lowercase
// ASCII letters, digits, '-' and ':' (all of strom's) the collator's order is '-' < ':' < digits
// < letters, which is the order of UTF-16 code units once ':' (0x3A, after the digits) is read as
// '/' (0x2F, between '-' and '0'); test/unit/oclif-compare-ids.test.ts checks this against
// localeCompare. Any other id goes to localeCompare as before.
'use strict'

const PLAIN = /^[0-9a-z:-]*$/

module.exports = function compareIds(a, b) {
  if (!PLAIN.test(a) || !PLAIN.test(b)) return a.localeCompare(b)
  const x = a.replaceAll(':', '/')
  const y = b.replaceAll(':', '/')
  return x < y ? -1 : x > y ? 1 : 0
}
