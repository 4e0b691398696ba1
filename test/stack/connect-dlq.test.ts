import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { createProducer } from '@ripple/kit'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { applyConnector, connectFetch, connectorState, deleteConnector, listDeadLetters } from '@ripple/operations'
import { countRecords, deleteTopics, eventually, readTopic, stack, topicEndOffsets, unique } from '@ripple/testing'

/**
 * Seed 001's Connect lesson on the stack's own pair (connectors/inventory-categories-*.json):
 * MariaDB inventory.categories → Debezium → inventory.inventory.categories → JDBC sink →
 * PostgreSQL inventory.categories, with errors.tolerance=all and the dead-letter topic
 * categories.dlq. Connect dead-letters what fails before the sink's put(): a record its converter
 * cannot read. What the database refuses inside put() is not: Debezium's JDBC sink 3.5 has no
 * errant record reporter, so its task fails (the second test shows it on a connector of its own).
 */
const config = loadStackConfig()
const ep = endpoints(config)
const SINK = 'inventory-categories-sink'
const TOPIC = 'inventory.inventory.categories'
const DLQ = 'categories.dlq'

const mariadb = await mysql.createConnection(ep.mariadb)
const postgres = new pg.Client({ ...ep.postgres, database: 'inventory' })
await postgres.connect()
after(async () => {
  await mariadb.end()
  await postgres.end()
})

async function namesInPostgres (table: string, prefix: string): Promise<string[]> {
  const { rows } = await postgres.query<{ name: string }>(`SELECT name FROM ${pg.escapeIdentifier(table)} WHERE name LIKE $1 ORDER BY id`, [`${prefix}%`])
  return rows.map(r => r.name)
}

function waitForNames (table: string, prefix: string, names: string[]): Promise<void> {
  return eventually(async () => {
    const found = await namesInPostgres(table, prefix)
    assert.ok(names.every(n => found.includes(n)), `${table} has ${found.join(', ') || 'none'} of ${names.join(', ')}`)
  })
}

async function assertRunning (name: string): Promise<void> {
  const state = await connectorState(ep.connect, name)
  assert.equal(state?.state, 'RUNNING', `${name}: ${JSON.stringify(state)}`)
  assert.ok(state.tasks.length > 0 && state.tasks.every(t => t.state === 'RUNNING'), `${name}: ${JSON.stringify(state.tasks)}`)
}

test('a record the sink cannot read lands in categories.dlq with Connect\'s error headers, and the sink goes on with the next rows', async () => {
  const tag = unique('dlq-')
  const before = [1, 2, 3].map(i => `${tag}-before-${i}`)
  const afterward = [1, 2, 3].map(i => `${tag}-after-${i}`)
  const dlqFrom = await topicEndOffsets(DLQ)

  for (const name of before) await mariadb.query('INSERT INTO inventory.categories (name) VALUES (?)', [name])
  await waitForNames('categories', tag, before)

  // A producer that forgot the schema, as with kafka-console-producer in the course: plain JSON where
  // the sink's JsonConverter (schemas.enable=true) expects {"schema": …, "payload": …}.
  const topicFrom = await topicEndOffsets(TOPIC)
  assert.equal(topicFrom.length, 1, `${TOPIC} has one partition, so "after" is an offset order`)
  const poison = JSON.stringify({ id: 0, name: `${tag}-schemaless` })
  const producer = createProducer({ brokers: ep.kafkaBrokers, sasl: stack.kafkaSasl, clientId: 'it-connect-dlq' })
  try {
    await producer.send({ topic: TOPIC, key: null, value: poison, partition: 0 })
  } finally {
    await producer.close()
  }
  for (const name of afterward) await mariadb.query('INSERT INTO inventory.categories (name) VALUES (?)', [name])

  await waitForNames('categories', tag, [...before, ...afterward])
  assert.ok(!(await namesInPostgres('categories', tag)).includes(`${tag}-schemaless`))

  const onTopic = await readTopic(TOPIC, seen => afterward.every(n => seen.some(r => r.value?.includes(`"${n}"`))), 60_000, topicFrom)
  const original = onTopic.find(r => r.value === poison)
  assert.ok(original, 'the schemaless record is on the topic')
  for (const name of afterward) {
    const later = onTopic.find(r => r.value?.includes(`"${name}"`))
    assert.ok(later && later.partition === original.partition && later.offset > original.offset, `${name} came after the dead letter`)
  }

  const dead = (await readTopic(DLQ, seen => seen.some(r => r.value === poison), 60_000, dlqFrom)).filter(r => r.value === poison)
  assert.equal(dead.length, 1, 'dead-lettered once, as it was')
  const h = dead[0]!.headers
  assert.equal(h['__connect.errors.topic'], TOPIC)
  assert.equal(h['__connect.errors.partition'], String(original.partition))
  assert.equal(h['__connect.errors.offset'], String(original.offset))
  assert.equal(h['__connect.errors.connector.name'], SINK)
  assert.equal(h['__connect.errors.task.id'], '0')
  assert.equal(h['__connect.errors.stage'], 'VALUE_CONVERTER')
  assert.equal(h['__connect.errors.class.name'], 'org.apache.kafka.connect.json.JsonConverter')
  assert.equal(h['__connect.errors.exception.class.name'], 'org.apache.kafka.connect.errors.DataException')
  assert.match(h['__connect.errors.exception.message'] ?? '', /schemas\.enable requires "schema" and "payload" fields/)
  assert.match(h['__connect.errors.exception.stacktrace'] ?? '', /JsonConverter\.toConnectData/)
  // `./ripple dlq list` (and the console's dead-letter page) read Connect's headers for where it came from and why.
  const listed = await listDeadLetters(config, DLQ)
  const entry = listed.find(d => d.partition === dead[0]!.partition && d.offset === String(dead[0]!.offset))
  assert.equal(entry?.originalTopic, TOPIC)
  assert.equal(entry?.originalOffset, String(original.offset))
  assert.match(entry?.reason ?? '', /schemas\.enable requires/)

  await assertRunning(SINK)
  await assertRunning('inventory-categories-source')
})

test('a row PostgreSQL refuses (a name longer than its column) is not dead-lettered by Debezium\'s JDBC sink 3.5: the rows before it are written, then its task fails', async () => {
  // A sink of its own on a narrower table, so the stack's sink never fails.
  const tag = unique('')
  const table = `categories_narrow_${tag}`
  const topic = `it.categories.narrow.${tag}`
  const dlq = `${topic}.dlq`
  const name = `it-narrow-sink-${tag}`
  after(async () => {
    await deleteConnector(ep.connect, name)
    await deleteTopics([topic, dlq])
    await postgres.query(`DROP TABLE IF EXISTS ${pg.escapeIdentifier(table)}`)
  })
  await postgres.query(`CREATE TABLE ${pg.escapeIdentifier(table)} (id integer PRIMARY KEY, name varchar(100))`)
  await postgres.query(`GRANT SELECT, INSERT, UPDATE ON TABLE ${pg.escapeIdentifier(table)} TO jdbc_sink`)
  const admin = new Admin({ clientId: 'it-connect-dlq-admin', bootstrapBrokers: ep.kafkaBrokers, sasl: stack.kafkaSasl })
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 }).finally(() => admin.close())

  // The stack's sink as Connect holds it (its password a ${file:} reference), on this topic and table,
  // batches of one record (batch.size; the worker's policy allows no consumer override): the row
  // before the long one is written on its own.
  const base = await (await connectFetch(ep.connect, `/connectors/${SINK}/config`)).json() as Record<string, string>
  await applyConnector(ep.connect, {
    name,
    config: {
      ...base,
      name,
      topics: topic,
      'collection.name.format': table,
      'errors.deadletterqueue.topic.name': dlq,
      'batch.size': '1'
    }
  })

  const field = (f: string, type: string) => ({ field: f, type, optional: f !== 'id' })
  const record = (id: number, value: string) => ({
    topic,
    key: JSON.stringify({ schema: { type: 'struct', fields: [field('id', 'int32')] }, payload: { id } }),
    value: JSON.stringify({ schema: { type: 'struct', fields: [field('id', 'int32'), field('name', 'string')] }, payload: { id, name: value } })
  })
  const tooLong = `${tag}-${'x'.repeat(150)}`
  const producer = createProducer({ brokers: ep.kafkaBrokers, sasl: stack.kafkaSasl, clientId: 'it-connect-dlq-narrow' })
  try {
    await producer.send([record(1, `${tag}-first`), record(2, tooLong), record(3, `${tag}-third`)])
  } finally {
    await producer.close()
  }

  const failed = await eventually(async () => {
    const state = await connectorState(ep.connect, name)
    const task = state?.tasks[0]
    assert.equal(task?.state, 'FAILED', JSON.stringify(state))
    return task
  })
  assert.match(failed.trace ?? '', /value too long for type character varying\(100\)/)
  assert.match(failed.trace ?? '', /JDBC sink connector failure/)
  // The task is gone: what it had written stays, nothing after the long name arrives, nothing was dead-lettered.
  assert.deepEqual(await namesInPostgres(table, tag), [`${tag}-first`])
  assert.equal(await countRecords(dlq), 0)
})
