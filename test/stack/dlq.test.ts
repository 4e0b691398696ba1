import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { execa } from 'execa'
import { createProducer, deadLetterHeaders } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { loadStackConfig } from '@ripple/stack'
import { countRecords, deleteTopics, readTopic, stack, unique } from '@ripple/testing'

const ripple = join(loadStackConfig().repoRoot, 'ripple')
const topic = unique('it.dlq.orders.')
const dlq = `${topic}.dlq`
after(() => deleteTopics([topic, dlq]))

interface Listed { partition: number, offset: string, key: string | null, reason?: string, originalTopic?: string, originalPartition?: number, originalOffset?: string, time: string, value: string | null }

// Two poison records parked by hand, as the kit's dead-letter publisher parks them: same key,
// value and original headers, plus the x-dlq-* headers.
const poison: { key: string, value: string, headers: Record<string, string>, offset: bigint, reason: string }[] = [
  { key: 'order-1', value: '{"qty":-1}', headers: { 'trace-id': 'trace-a', eventType: 'OrderPlaced' }, offset: 41n, reason: 'qty must not be negative' },
  { key: 'order-2', value: '{"qty":"many"}', headers: { 'trace-id': 'trace-b' }, offset: 42n, reason: 'qty must be a number' }
]

test('dlq list shows each parked record with its reason and origin; replay --offset puts back only that one, as it was, marked', async () => {
  // One partition each, so offsets are the order the records were parked in.
  const admin = new Admin({ clientId: 'it-dlq-admin', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl })
  await admin.createTopics({ topics: [topic, dlq], partitions: 1, replicas: 1 }).finally(() => admin.close())
  const producer = createProducer({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, clientId: 'it-dlq' })
  try {
    for (const p of poison) {
      const original = { topic, partition: 0, offset: p.offset, key: Buffer.from(p.key), value: Buffer.from(p.value), headers: new Map(Object.entries(p.headers)) } as unknown as ConsumedMessage
      await producer.send({ topic: dlq, key: p.key, value: p.value, headers: { ...p.headers, ...deadLetterHeaders(original, new Error(p.reason), 1) } })
    }
  } finally {
    await producer.close()
  }

  const listed = JSON.parse((await execa(ripple, ['dlq', 'list', dlq, '--json'])).stdout) as Listed[]
  assert.deepEqual(listed.map(l => [l.partition, l.offset, l.key, l.reason, l.originalTopic, l.originalPartition, l.originalOffset, l.value]), [
    [0, '0', 'order-1', 'qty must not be negative', topic, 0, '41', '{"qty":-1}'],
    [0, '1', 'order-2', 'qty must be a number', topic, 0, '42', '{"qty":"many"}']
  ])
  for (const l of listed) assert.ok(!Number.isNaN(Date.parse(l.time)))
  const table = await execa(ripple, ['dlq', 'list', dlq])
  assert.match(table.stdout, /0:1 .*key=order-2 .*qty must be a number/)

  const replay = await execa(ripple, ['dlq', 'replay', dlq, '--offset', '1'], { all: true })
  assert.match(replay.all ?? '', /replayed 1 dead letter/)
  // The replay returned once Kafka acknowledged (acks=all), so the topic holds all it will hold.
  assert.equal(await countRecords(topic), 1, 'only offset 1 was replayed')
  const back = await readTopic(topic, records => records.length >= 1, 30_000)
  const record = back[0]!
  assert.equal(record.key, 'order-2')
  assert.equal(record.value, '{"qty":"many"}')
  assert.deepEqual(record.headers, { 'trace-id': 'trace-b', 'x-replayed-from': `${dlq}:0:1` })

  const refused = await execa(ripple, ['dlq', 'replay', dlq], { reject: false })
  assert.equal(refused.exitCode, 1)
  assert.match(refused.stderr, /--offset N .* or --all/)
})

test('dlq replay --all puts every parked record back in order; an unknown topic is one sentence', async () => {
  const before = await countRecords(topic)
  await execa(ripple, ['dlq', 'replay', dlq, '--all'])
  assert.equal(await countRecords(topic), before + 2)
  const all = await readTopic(topic, records => records.length >= before + 2, 30_000)
  const replayed = all.slice(before)
  assert.deepEqual(replayed.map(r => [r.key, r.value, r.headers['x-replayed-from']]), [
    ['order-1', '{"qty":-1}', `${dlq}:0:0`], ['order-2', '{"qty":"many"}', `${dlq}:0:1`]
  ])
  assert.deepEqual(replayed[0]?.headers, { 'trace-id': 'trace-a', eventType: 'OrderPlaced', 'x-replayed-from': `${dlq}:0:0` })

  const unknown = await execa(ripple, ['dlq', 'list', unique('it.nope.')], { reject: false })
  assert.equal(unknown.exitCode, 1)
  assert.match(unknown.stderr, /There is no topic "it\.nope\.[0-9a-f]+"/)
})
