#!/usr/bin/env node
/**
 * Distils Kafka's own message definitions (common/message/*.json inside kafka-clients) into
 * test/unit/protocol/fixtures/kafka-<version>-messages.json, which test/unit/protocol/kafka-definitions.test.ts
 * checks every declaration in src/protocol/apis against. Kept: what decides the bytes (names, types,
 * version ranges, nullability, tags, defaults); dropped: comments and documentation.
 *
 *   node scripts/extract-kafka-messages.mjs [path/to/kafka-clients-X.jar]
 *
 * Default jar: the one scripts/kafka.sh resolves into ~/.m2 (Kafka 4.1.1).
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const VERSION = '4.1.1'
const jar = process.argv[2] ?? path.join(os.homedir(), `.m2/repository/org/apache/kafka/kafka-clients/${VERSION}/kafka-clients-${VERSION}.jar`)
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..')
const out = path.join(root, `test/unit/protocol/fixtures/kafka-${VERSION}-messages.json`)

const names = execFileSync('unzip', ['-Z1', jar], {encoding: 'utf8'})
  .split('\n')
  .filter((n) => /^common\/message\/\w+(Request|Response)\.json$/.test(n))

function distilFields(fields) {
  return (fields ?? []).map((f) => {
    const kept = {name: f.name, type: f.type, versions: f.versions}
    for (const key of ['nullableVersions', 'tag', 'taggedVersions', 'default']) if (f[key] !== undefined) kept[key] = f[key]
    if (f.fields) kept.fields = distilFields(f.fields)
    return kept
  })
}

const messages = {}
for (const name of names.sort()) {
  // The definitions are JSON with // comments.
  const text = execFileSync('unzip', ['-p', jar, name], {encoding: 'utf8'}).replace(/^\s*\/\/.*$/gm, '')
  const m = JSON.parse(text)
  if (m.type !== 'request' && m.type !== 'response') continue
  const common = Object.fromEntries((m.commonStructs ?? []).map((s) => [s.name, distilFields(s.fields)]))
  messages[m.name] = {apiKey: m.apiKey, validVersions: m.validVersions, flexibleVersions: m.flexibleVersions, fields: distilFields(m.fields), commonStructs: common}
}
// One message a line, so a regenerated file diffs by message.
const lines = Object.entries(messages).map(([name, m]) => `${JSON.stringify(name)}: ${JSON.stringify(m)}`)
fs.writeFileSync(out, `{\n${lines.join(',\n')}\n}\n`)
console.log(`${Object.keys(messages).length} messages -> ${path.relative(root, out)} (${fs.statSync(out).size} bytes)`)
