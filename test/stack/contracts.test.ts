// The topic catalogue against the running stack: after a pass of every flow, each topic Kafka holds
// is one the catalogue describes, and the records the flows wrote match their contracts. A topic
// found here but missing from packages/contracts/src/topics.catalogue.ts fails the test.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { execa } from 'execa'
import { CARGA_TOPIC, cargaTopic, CONNECT_WORKER_TOPICS, DATA_TOPICS, DEAD_LETTER_TOPICS, findTopic, POST_EVENTS_TOPIC, postEventsTopic, RECEIVER_TOPIC, receiverTopic, USERS_TOPIC, usersTopic } from '@ripple/contracts'
import type { TopicContract } from '@ripple/contracts'
import { loadStackConfig, servicePort } from '@ripple/stack'
import { callJson, groupCaughtUp, eventually, readTopic, stack, topicEndOffsets, unique } from '@ripple/testing'
import type { ReadRecord } from '@ripple/testing'
import { createJob, waitUntilFinished } from '../e2e/jobs.helpers.ts'
import { cdcRelay, createPost } from '../e2e/outbox.support.ts'

const config = loadStackConfig()
const userService = `http://${config.host}:${config.ports.userService}`
const cargaService = `http://${config.host}:${servicePort(config, 'carga-service')}`

/**
 * Topics that are not the stack's to describe: Kafka's own (`__consumer_offsets`, …, but not
 * Debezium's `__debezium-heartbeat.*`), Kafka Connect's worker topics
 * (CONNECT_WORKER_TOPICS) and the throw-away topics tests make (`it.*`, `test.*`).
 */
function platformOrTest (topic: string): boolean {
  if (topic.startsWith('__') && !topic.startsWith('__debezium-heartbeat.')) return true
  if ((Object.values(CONNECT_WORKER_TOPICS) as string[]).includes(topic)) return true
  return topic.startsWith('it.') || topic.startsWith('test.')
}

async function stackTopicNames (): Promise<string[]> {
  const admin = new Admin({ clientId: 'it-contracts', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl })
  try {
    return (await admin.listTopics({ includeInternals: true })).sort()
  } finally {
    await admin.close()
  }
}

/** The first record the flows wrote to a topic after `from` that `pick` chooses. */
async function recordOf (topic: string, from: bigint[] | undefined, pick: (r: ReadRecord) => boolean): Promise<ReadRecord> {
  // A topic the flows made themselves is read from its start.
  const records = await readTopic(topic, rs => rs.some(pick), 60_000, from !== undefined && from.length > 0 ? from : undefined)
  return records.find(pick)!
}

function assertMatches (contract: TopicContract, record: ReadRecord): void {
  const value = contract.value.encoding === 'json' ? JSON.parse(record.value ?? 'null') as unknown : record.value
  const checked = contract.value.schema.safeParse(value)
  assert.ok(checked.success, `${contract.name} at ${record.partition}:${record.offset}: ${checked.success ? '' : JSON.stringify(checked.error.issues[0])}`)
  const headers = contract.headers.safeParse(record.headers)
  assert.ok(headers.success, `${contract.name}'s headers: ${headers.success ? '' : JSON.stringify(headers.error.issues[0])}`)
}

test('after a pass of every flow, every topic on the stack is in the catalogue, and the flows\' records match their contracts', async () => {
  const from: Record<string, bigint[] | undefined> = Object.fromEntries(await Promise.all([USERS_TOPIC, POST_EVENTS_TOPIC, RECEIVER_TOPIC, CARGA_TOPIC].map(async t => [t, await topicEndOffsets(t).catch(() => undefined)])))

  // seed 000: a user signs up and changes their address (cdc.table.userdata.users).
  const username = unique('contracts-')
  const created = await callJson(`${userService}/users`, 'POST', { username, email: `${username}@example.org`, password: 'a long enough password', fullName: 'Ada', address: '1 Way' })
  assert.equal(created.status, 201, JSON.stringify(created.body))
  const userId = String(created.body.id)
  // seed 004: a post (outbox.event.post); seed 003: a job through the pipeline; seed 002: a load.
  const post = await createPost(cdcRelay(), randomUUID(), 'contracts')
  assert.equal(post.status, 201)
  const job = await createJob({ sleep: 10 })
  const cargaId = unique('contracts-')
  assert.equal((await callJson(`${cargaService}/carga`, 'POST', { id: cargaId, valor: 'v' })).status, 202)
  await waitUntilFinished([job.id])
  await eventually(async () => assert.ok(await groupCaughtUp('sync-service', CARGA_TOPIC)), 60_000, 500)
  await eventually(async () => assert.ok(await groupCaughtUp('subscribe-service', POST_EVENTS_TOPIC)), 60_000, 500)

  const unknown = (await stackTopicNames()).filter(t => !platformOrTest(t) && !findTopic(t))
  assert.deepEqual(unknown, [], 'topics on the stack that packages/contracts/src/topics.catalogue.ts does not describe')

  const hex = userId.replace(/-/g, '')
  assertMatches(usersTopic, await recordOf(USERS_TOPIC, from[USERS_TOPIC], r => (r.key ?? '').toLowerCase().includes(hex)))
  assertMatches(postEventsTopic, await recordOf(POST_EVENTS_TOPIC, from[POST_EVENTS_TOPIC], r => (r.value ?? '').includes(`"id":${post.body.id},`)))
  assertMatches(receiverTopic, await recordOf(RECEIVER_TOPIC, from[RECEIVER_TOPIC], r => r.key === job.id))
  assertMatches(cargaTopic, await recordOf(CARGA_TOPIC, from[CARGA_TOPIC], r => r.key === cargaId))
})

test('./ripple kafka topic describe shows a topic\'s contract, and flags a record among the newest that does not match it', async () => {
  const cli = (args: string[]) => execa(process.execPath, ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'stack', 'src', 'cli.ts'), ...args], { all: true })
  // ClickHouse's Kafka engine skips a line it cannot parse, so this one harms no reader.
  const line = `not a job row ${unique('')}`
  await cli(['kafka', 'produce', 'clickhouse-topic', '--key', 'contracts-test', '--value', line])
  const described = JSON.parse((await cli(['kafka', 'topic', 'describe', 'clickhouse-topic', '--json'])).stdout) as {
    contract: { producers: string[], consumers: string[], value: string } | null
    conformance: { checked: number, mismatches: { partition: number, offset: string, field: string }[] } | null
  }
  assert.ok(described.contract, 'the catalogue describes clickhouse-topic')
  assert.deepEqual(described.contract.producers, ['converter'])
  assert.match(described.contract.value, /^csv: /)
  assert.ok(described.conformance && described.conformance.checked > 0)
  const poisoned = await readTopic('clickhouse-topic', rs => rs.some(r => r.value === line), 60_000)
  const at = poisoned.find(r => r.value === line)!
  assert.ok(described.conformance.mismatches.some(m => m.partition === at.partition && m.offset === String(at.offset)), `the bad line at ${at.partition}:${at.offset} is flagged: ${JSON.stringify(described.conformance.mismatches.slice(0, 5))}`)
  const text = (await cli(['kafka', 'topic', 'describe', 'clickhouse-topic'])).stdout
  assert.match(text, /^contract: /m)
  assert.match(text, /produced by converter; read by /)
  assert.match(text, /\d+ of the newest \d+ records don't match the contract: field/)
})

test('up makes every data topic of the catalogue and its dead-letter topic, with the catalogue\'s partitions, before any record is written to it', async () => {
  const admin = new Admin({ clientId: 'test-contracts', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl })
  try {
    const wanted = [...DATA_TOPICS, ...DEAD_LETTER_TOPICS]
    const existing = new Set(await admin.listTopics())
    assert.deepEqual(wanted.filter(t => !existing.has(t.name)).map(t => t.name), [], 'catalogue topics missing on the stack')
    const metadata = await admin.metadata({ topics: wanted.map(t => t.name) })
    for (const t of wanted) assert.equal(metadata.topics.get(t.name)?.partitionsCount, t.partitions, `${t.name}'s partitions`)
  } finally {
    await admin.close()
  }
})
