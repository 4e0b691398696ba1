import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, test } from 'node:test'
import { Consumer, murmur2, stringDeserializers } from '@platformatic/kafka'
import type { Message } from '@platformatic/kafka'
import { createProducer } from '@ripple/kit'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { deleteTopics, eventually, stack, unique } from '@ripple/testing'
import { createTopic, describeTopic } from '@ripple/operations'

/**
 * Seed 001's transfer-and-reversal lesson on a 6-partition topic: Kafka orders records within a
 * partition only. Keyed by the account, a transfer and its reversal share a partition and every
 * consumer sees them in that order; keyed by anything else, they may sit in two partitions, and a
 * consumer may handle the reversal of a transfer it has not seen.
 */
const config = loadStackConfig()
const { kafkaBrokers } = endpoints(config)
const PARTITIONS = 6
const keyed = unique('it.key-order.account.')
const unkeyed = unique('it.key-order.random.')
after(() => deleteTopics([keyed, unkeyed]))

/** Kafka's default partitioner, the one the kit's producer uses (compatibilityPartitioner): murmur2 of the key, positive, modulo the partitions. */
const partitionOf = (key: string): number => (murmur2(Buffer.from(key, 'utf8')) & 0x7fffffff) % PARTITIONS

interface Movement { account: string, type: 'transfer' | 'reversal', transfer: string, amount: number }
const movement = (m: Message<string, string, string, string>): Movement => JSON.parse(m.value) as Movement

async function produce (messages: { topic: string, key: string, value: Movement }[]): Promise<void> {
  const producer = createProducer({ brokers: kafkaBrokers, sasl: stack.kafkaSasl, clientId: 'it-key-order' })
  try {
    await producer.send(messages.map(m => ({ topic: m.topic, key: m.key, value: JSON.stringify(m.value) })))
  } finally {
    await producer.close()
  }
}

/** One partition from its start, by a consumer that is assigned it (no group): what a group member owning only it would read. */
async function readPartition (topic: string, partition: number, count: number): Promise<Message<string, string, string, string>[]> {
  const consumer = new Consumer({ clientId: 'it-key-order-reader', groupId: unique('it-key-order-reader-'), bootstrapBrokers: kafkaBrokers, sasl: stack.kafkaSasl, deserializers: stringDeserializers, maxWaitTime: 200 })
  const stream = await consumer.consume({ topics: [topic], mode: 'manual', offsets: [{ topic, partition, offset: 0n }], autocommit: false })
  const read: Message<string, string, string, string>[] = []
  stream.on('data', m => { read.push(m) })
  try {
    await eventually(() => { if (read.length < count) throw new Error(`${topic}:${partition} gave ${read.length} of ${count}`) }, 30_000)
    return read
  } finally {
    await stream.close()
    await consumer.close(true)
  }
}

test('keyed by the account: a transfer and its reversal share a partition and a group of consumers sees them in order', async () => {
  await createTopic(config, keyed, { partitions: PARTITIONS, replication: 1 })
  assert.equal((await describeTopic(config, keyed)).partitions.length, PARTITIONS)

  // Three members of one group, all holding partitions before anything is produced.
  const groupId = unique('it-key-order-')
  const seen: { member: number, message: Message<string, string, string, string> }[] = []
  const members = [0, 1, 2].map(i => new Consumer({ clientId: `it-key-order-${i}`, groupId, bootstrapBrokers: kafkaBrokers, sasl: stack.kafkaSasl, deserializers: stringDeserializers, maxWaitTime: 200 }))
  const streams = await Promise.all(members.map(c => c.consume({ topics: [keyed], mode: 'committed', fallbackMode: 'earliest', autocommit: false })))
  streams.forEach((stream, member) => stream.on('data', message => { seen.push({ member, message }) }))
  try {
    await eventually(() => {
      const held = members.map(c => (c.assignments ?? []).flatMap(a => a.topic === keyed ? a.partitions : []))
      if (held.some(p => p.length === 0) || new Set(held.flat()).size !== PARTITIONS) throw new Error(`partitions held: ${JSON.stringify(held)}`)
    })

    // Fixed account ids (the topic is new on every run): murmur2 spreads these 24 over all six partitions.
    const accounts = Array.from({ length: 24 }, (_, i) => `account-${i}`)
    await produce(accounts.flatMap(account => {
      const transfer = `tx-${account}`
      return [
        { topic: keyed, key: account, value: { account, type: 'transfer' as const, transfer, amount: 100 } },
        { topic: keyed, key: account, value: { account, type: 'reversal' as const, transfer, amount: -100 } }
      ]
    }))
    await eventually(() => { if (seen.length < accounts.length * 2) throw new Error(`only ${seen.length} of ${accounts.length * 2} arrived`) })

    assert.equal(seen.length, accounts.length * 2, 'each record once')
    assert.equal(new Set(seen.map(s => s.message.partition)).size, PARTITIONS, 'the accounts spread over all six partitions')
    assert.equal(new Set(seen.map(s => s.member)).size, 3, 'every member received records')
    for (const account of accounts) {
      const [transfer, reversal] = ['transfer', 'reversal'].map(type => seen.find(s => movement(s.message).account === account && movement(s.message).type === type)!)
      assert.ok(transfer && reversal, account)
      assert.equal(transfer.message.partition, partitionOf(account), `${account}: murmur2 chose its partition`)
      assert.equal(reversal.message.partition, transfer.message.partition, `${account}: one partition`)
      assert.ok(transfer.message.offset < reversal.message.offset, `${account}: the transfer is written first`)
      assert.equal(reversal.member, transfer.member, `${account}: one consumer handles both`)
      assert.ok(seen.indexOf(transfer) < seen.indexOf(reversal), `${account}: the transfer is consumed first`)
    }
  } finally {
    await Promise.all(streams.map(s => s.close()))
    await Promise.all(members.map(c => c.close(true)))
  }
})

test('keyed at random: the pair lands in two partitions and the reversal can be consumed before its transfer', async () => {
  await createTopic(config, unkeyed, { partitions: PARTITIONS, replication: 1 })

  // Each record keyed by its own event id, as a producer that does not key by account. Five ids in
  // six hash to another partition than the transfer's; the reversal's id is drawn until it does, so
  // this run always holds the case the lesson is about.
  const account = 'account-7'
  const transfer = `tx-${randomUUID()}`
  const transferKey = randomUUID()
  let reversalKey = randomUUID()
  while (partitionOf(reversalKey) === partitionOf(transferKey)) reversalKey = randomUUID()
  // Sent one after the other: the transfer is acknowledged before the reversal is produced.
  await produce([{ topic: unkeyed, key: transferKey, value: { account, type: 'transfer', transfer, amount: 100 } }])
  await produce([{ topic: unkeyed, key: reversalKey, value: { account, type: 'reversal', transfer, amount: -100 } }])

  const described = await describeTopic(config, unkeyed)
  const holding = described.partitions.filter(p => p.endOffset !== '0').map(p => p.partition).sort()
  assert.deepEqual(holding, [partitionOf(transferKey), partitionOf(reversalKey)].sort(), 'murmur2 put them in two partitions')

  // Nothing orders two partitions: a consumer owning the reversal's partition handles it with no
  // transfer in sight, whether or not the transfer's owner has got to it yet.
  const order: Movement[] = []
  for (const partition of [partitionOf(reversalKey), partitionOf(transferKey)]) {
    const read = await readPartition(unkeyed, partition, 1)
    assert.equal(read.length, 1, `partition ${partition} holds one record`)
    order.push(...read.map(movement))
  }
  assert.deepEqual(order.map(m => m.type), ['reversal', 'transfer'])
  assert.ok(order.every(m => m.transfer === transfer))
})
