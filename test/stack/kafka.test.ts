import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, test } from 'node:test'
import { Admin, Consumer, Producer, stringDeserializers, stringSerializers } from '@platformatic/kafka'
import type { Message } from '@platformatic/kafka'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { deleteTopics, eventually, stack } from '@ripple/testing'

const { kafkaBrokers } = endpoints(loadStackConfig())
const topic = `it.roundtrip.${randomUUID()}`
after(() => deleteTopics([topic]))

test('a consumer group shares a 3-partition topic and every key keeps its order on one partition', async () => {
  const admin = new Admin({ clientId: 'it-admin', bootstrapBrokers: kafkaBrokers, sasl: stack.kafkaSasl })
  await admin.createTopics({ topics: [topic], partitions: 3, replicas: 1 })
  await admin.close()

  // Two members of one group, both holding partitions before anything is produced: otherwise
  // the first to join takes all three and may read everything before the second arrives.
  const groupId = `it-group-${randomUUID()}`
  const seen: { member: number, message: Message<string, string, string, string> }[] = []
  const members = [0, 1].map(i => new Consumer({ clientId: `it-member-${i}`, groupId, bootstrapBrokers: kafkaBrokers, sasl: stack.kafkaSasl, deserializers: stringDeserializers, maxWaitTime: 200 }))
  const streams = await Promise.all(members.map(c => c.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false })))
  streams.forEach((stream, member) => stream.on('data', message => { seen.push({ member, message }) }))
  await eventually(() => {
    const held = members.map(c => (c.assignments ?? []).flatMap(a => a.topic === topic ? a.partitions : []))
    if (held.some(p => p.length === 0) || new Set(held.flat()).size !== 3) throw new Error(`partitions held: ${JSON.stringify(held)}`)
  })

  // Twelve fixed keys: murmur2 spreads them over all three partitions.
  const keys = Array.from({ length: 12 }, (_, i) => `account-${i}`)
  const perKey = 25
  const producer = new Producer({ clientId: 'it-producer', bootstrapBrokers: kafkaBrokers, sasl: stack.kafkaSasl, serializers: stringSerializers, idempotent: true, acks: -1 })
  for (let seq = 0; seq < perKey; seq++) {
    await producer.send({ messages: keys.map(key => ({ topic, key, value: JSON.stringify({ key, seq }) })) })
  }
  await producer.close()
  const total = keys.length * perKey

  // Together the members must see each message exactly once.
  await eventually(() => { if (seen.length < total) throw new Error(`only ${seen.length} of ${total} messages arrived`) })
  await Promise.all(streams.map(s => s.close()))
  await Promise.all(members.map(c => c.close(true)))

  assert.equal(seen.length, total)
  assert.equal(new Set(seen.map(s => s.message.partition)).size, 3, 'the keys spread over all three partitions')
  assert.deepEqual(new Set(seen.map(s => s.member)), new Set([0, 1]), 'both members received messages')
  for (const partition of [0, 1, 2]) {
    const members = new Set(seen.filter(s => s.message.partition === partition).map(s => s.member))
    assert.equal(members.size, 1, `partition ${partition} was consumed by exactly one member, not ${[...members].join(' and ')}`)
  }
  for (const key of keys) {
    const ofKey = seen.filter(s => s.message.key === key)
    assert.equal(new Set(ofKey.map(s => s.message.partition)).size, 1, `${key} stays on one partition`)
    assert.deepEqual(ofKey.map(s => (JSON.parse(s.message.value) as { seq: number }).seq), Array.from({ length: perKey }, (_, i) => i), `${key} arrives in order`)
  }
})
