// The dead-letter path of notification-service end to end: a message that can never be processed
// is parked at once with its reason and the partition goes on; `./ripple dlq replay` sends a
// parked record back to its topic, where a poison parks again and a good change is handled once.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { createProducer } from '@ripple/kit'
import { eventually, readTopic, restoreStack, stack, stopComponents, topicEndOffsets } from '@ripple/testing'
import type { ReadRecord } from '@ripple/testing'
import { NOTIFICATION_GROUP, USERS_DLQ, USERS_TOPIC, authorization, changeMailsOf, createUsers, deleteUsers, recordsSoFar, ripple, updateOf, usersUrl, waitForLagZero } from './faults.support.ts'
import type { TestUsers } from './faults.support.ts'

const producer = createProducer({ brokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, clientId: 'test-dlq-replay' })
after(() => producer.close())

const hexOf = (id: string) => id.replaceAll('-', '')

async function patchAddress (users: TestUsers, id: string, address: string): Promise<void> {
  const res = await fetch(`${usersUrl}/${id}`, { method: 'PATCH', headers: authorization(users, id), body: JSON.stringify({ address }) })
  assert.equal(res.status, 200, await res.text())
}

/** The user's change events on the topic that satisfy `match`, read from `from` (or the beginning). */
async function userEvents (id: string, match: (r: ReadRecord) => boolean, count = 1, from?: bigint[]): Promise<ReadRecord[]> {
  const mine = (records: ReadRecord[]) => records.filter(r => r.key?.includes(hexOf(id)) && match(r))
  return mine(await readTopic(USERS_TOPIC, records => mine(records).length >= count, 60_000, from))
}

/**
 * The records of the dead-letter topic after `from` that carry the test's marker header and that
 * notification-service parked (the token-revocation consumers of subscribe-service and post-service
 * read the same topic and park their own copies), or that the test parked by hand.
 */
async function parked (marker: string, count: number, from: bigint[]): Promise<ReadRecord[]> {
  const ours = (r: ReadRecord) => r.headers['x-dlq-consumer-group'] === undefined || r.headers['x-dlq-consumer-group'] === NOTIFICATION_GROUP
  const mine = (records: ReadRecord[]) => records.filter(r => r.headers['x-test-marker'] === marker && ours(r))
  return mine(await readTopic(USERS_DLQ, records => mine(records).length >= count, 60_000, from))
}

async function replay (record: ReadRecord): Promise<void> {
  const result = await ripple(['dlq', 'replay', USERS_DLQ, '--partition', String(record.partition), '--offset', String(record.offset)])
  assert.equal(result.exitCode, 0, `./ripple dlq replay: ${result.all}`)
}

/** Mails of one update (by the address it set) to the test's users. */
async function mailsFor (users: TestUsers, address: string) {
  return (await changeMailsOf(users)).filter(m => updateOf(m) === address)
}

test('a poison message is dead-lettered at once with its reason, the partition goes on, and a replayed poison parks again', async () => {
  const users = await createUsers(1, 'dlqpoison')
  const id = users.ids[0]!
  const [created] = await userEvents(id, () => true)
  assert.ok(created?.key)
  const dlqFrom = await topicEndOffsets(USERS_DLQ)
  const marker = randomBytes(6).toString('hex')

  // Keyed and placed like the user's own events, so the good change behind it waits on it if it blocks.
  const poison = `{"schema":null,"payload":{"op":"u","before":{"id":"${marker}"`
  await producer.send({ topic: USERS_TOPIC, key: created.key, value: poison, partition: created.partition, headers: { 'x-test-marker': marker } })
  await patchAddress(users, id, '1 Fault Street')
  await eventually(async () => assert.equal((await mailsFor(users, '1 Fault Street')).length, 1, 'the change after the poison is mailed'), 60_000, 250)

  const [first] = await parked(marker, 1, dlqFrom)
  assert.ok(first)
  assert.equal(first.value, poison, 'parked as it came')
  assert.equal(first.key, created.key, 'parked under its key')
  assert.match(first.headers['x-dlq-reason'] ?? '', /not JSON/, 'the reason')
  assert.equal(first.headers['x-dlq-original-topic'], USERS_TOPIC)
  assert.equal(first.headers['x-dlq-attempts'], '1', 'parked at once, not after retries')
  const reason = first.headers['x-dlq-reason']

  await replay(first)
  const again = await parked(marker, 2, dlqFrom)
  const second = again.find(r => r.offset !== first.offset || r.partition !== first.partition)
  assert.ok(second, 'parked again')
  assert.equal(second.value, poison)
  assert.equal(second.headers['x-dlq-reason'], reason, 'the reason kept')
  assert.ok(second.headers['x-replayed-from'], `replayed, and says from where: ${JSON.stringify(second.headers)}`)
  await patchAddress(users, id, '2 Fault Street')
  await eventually(async () => assert.equal((await mailsFor(users, '2 Fault Street')).length, 1, 'the partition still goes on'), 60_000, 250)
  await deleteUsers(users)
})

/** Parks a copy of a real change record on the dead-letter topic as the consumer would, marked for the test. */
async function parkByHand (record: ReadRecord, marker: string): Promise<ReadRecord> {
  const from = await topicEndOffsets(USERS_DLQ)
  await producer.send({
    topic: USERS_DLQ,
    key: record.key,
    value: record.value,
    headers: {
      ...record.headers,
      'x-test-marker': marker,
      'x-dlq-reason': 'parked by hand by the dlq-replay test',
      'x-dlq-error-code': 'TEST_PARKED',
      'x-dlq-original-topic': USERS_TOPIC,
      'x-dlq-original-partition': String(record.partition),
      'x-dlq-original-offset': String(record.offset),
      'x-dlq-attempts': '1',
      'x-dlq-failed-at': new Date().toISOString()
    }
  })
  const [copy] = await parked(marker, 1, from)
  assert.ok(copy)
  return copy
}

/** Replays the parked record twice; each copy reaches the topic again and the consumer passes both. */
async function replayTwice (copy: ReadRecord, original: ReadRecord): Promise<void> {
  const topicFrom = await topicEndOffsets(USERS_TOPIC)
  const dlqBefore = await recordsSoFar(USERS_DLQ)
  await replay(copy)
  await replay(copy)
  const replayed = await readTopic(USERS_TOPIC, records => records.filter(r => r.value === original.value).length >= 2, 60_000, topicFrom)
  const copies = replayed.filter(r => r.value === original.value)
  assert.equal(copies.length, 2, 'two replays, two records')
  for (const r of copies) {
    assert.equal(r.key, original.key, 'the original key')
    assert.ok(r.headers['x-replayed-from'], 'marked as replayed')
  }
  await waitForLagZero(NOTIFICATION_GROUP, USERS_TOPIC)
  assert.equal(await recordsSoFar(USERS_DLQ) - dlqBefore, 0n, 'a good change is not dead-lettered again')
}

test('a good change parked by hand and replayed twice is mailed once', async () => {
  const users = await createUsers(1, 'dlqgood')
  const id = users.ids[0]!

  // A change already mailed: replaying it must not mail it again.
  await patchAddress(users, id, '10 Fault Street')
  await eventually(async () => assert.equal((await mailsFor(users, '10 Fault Street')).length, 1), 60_000, 250)
  const [handled] = await userEvents(id, r => r.value?.includes('10 Fault Street') ?? false)
  assert.ok(handled)
  await replayTwice(await parkByHand(handled, randomBytes(6).toString('hex')), handled)
  assert.equal((await mailsFor(users, '10 Fault Street')).length, 1, 'a handled change replayed twice: still one mail')

  // A change the consumer never handled (its offset moved past it while the service was down, as
  // if it had been dead-lettered): the replays mail it, once.
  await waitForLagZero(NOTIFICATION_GROUP, USERS_TOPIC)
  await stopComponents(['notification-service'])
  let restored = false
  try {
    await patchAddress(users, id, '11 Fault Street')
    const [skipped] = await userEvents(id, r => r.value?.includes('11 Fault Street') ?? false)
    assert.ok(skipped)
    const admin = new Admin({ clientId: 'test-dlq-replay', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl })
    try {
      const committed = (await admin.listConsumerGroupOffsets({ groups: [{ groupId: NOTIFICATION_GROUP, topics: [{ name: USERS_TOPIC, partitionIndexes: [skipped.partition] }] }] }))
      const at = committed[0]?.topics[0]?.partitions[0]?.committedOffset
      assert.equal(at, skipped.offset, 'nothing but this change is skipped')
      await eventually(() => admin.alterConsumerGroupOffsets({ groupId: NOTIFICATION_GROUP, topics: [{ name: USERS_TOPIC, partitionOffsets: [{ partition: skipped.partition, offset: skipped.offset + 1n }] }] }), 30_000, 500)
    } finally {
      await admin.close()
    }
    const copy = await parkByHand(skipped, randomBytes(6).toString('hex'))
    await restoreStack()
    restored = true
    await waitForLagZero(NOTIFICATION_GROUP, USERS_TOPIC)
    assert.equal((await mailsFor(users, '11 Fault Street')).length, 0, 'skipped: not mailed before the replay')
    await replayTwice(copy, skipped)
    await eventually(async () => assert.equal((await mailsFor(users, '11 Fault Street')).length, 1, 'mailed by the replay'), 60_000, 250)
    assert.equal((await mailsFor(users, '11 Fault Street')).length, 1, 'replayed twice, mailed once')
  } finally {
    if (!restored) await restoreStack()
  }
  await deleteUsers(users)
})
