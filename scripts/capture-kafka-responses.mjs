// Captures the response fixtures of test/unit/protocol/captured.test.ts from a real Kafka:
//   bash scripts/kafka.sh up && node scripts/capture-kafka-responses.mjs 127.0.0.1:19092 test/unit/protocol/fixtures
// (after creating a topic 'captured' with 2 partitions). Each file is one response frame, size prefix included.
import fs from 'node:fs'
const [host, port] = process.argv[2].split(':')
const out = process.argv[3]
function frame(apiKey, version, corr, body, flexible) {
  const client = Buffer.from('capture')
  const head = Buffer.alloc(10); head.writeInt16BE(apiKey, 0); head.writeInt16BE(version, 2); head.writeInt32BE(corr, 4); head.writeInt16BE(client.length, 8)
  const parts = [head, client, flexible ? Buffer.from([0]) : Buffer.alloc(0), body]
  const payload = Buffer.concat(parts)
  const size = Buffer.alloc(4); size.writeInt32BE(payload.length)
  return Buffer.concat([size, payload])
}
const requests = [
  ['apiversions-v3', frame(18, 3, 1, Buffer.concat([Buffer.from([8]), Buffer.from('capture'), Buffer.from([6]), Buffer.from('1.0.0'), Buffer.from([0])]), true)],
  // Metadata v12: topics null (all), allow_auto_topic_creation false, include_topic_authorized_operations false, tags
  ['metadata-v12', frame(3, 12, 2, Buffer.from([0, 0, 0, 0]), true)],
]
const socket = net.connect(Number(port), host)
let buf = Buffer.alloc(0); let i = 0
socket.on('connect', () => socket.write(requests[0][1]))
socket.on('data', (chunk) => {
  buf = Buffer.concat([buf, chunk])
  while (buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0)) {
    const n = 4 + buf.readInt32BE(0)
    fs.writeFileSync(`${out}/kafka-4.1.1-${requests[i][0]}.bin`, buf.subarray(0, n))
    buf = buf.subarray(n); i++
    if (i < requests.length) socket.write(requests[i][1]); else socket.end()
  }
})
