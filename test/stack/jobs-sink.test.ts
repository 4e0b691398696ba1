import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import pg from 'pg'
import { createProducer } from '@ripple/kit'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { applyConnector, connectFetch, connectorState, deleteConnector } from '@ripple/operations'
import { deleteTopics, eventually, stack, unique } from '@ripple/testing'
import { toPostgresRecord } from '@ripple/converter/job-done'

/**
 * The job pipeline's JDBC sink (connectors/postgres-connector.json) writes a batch with one
 * UNNEST upsert. A JobDone redelivered after a processor or converter restart puts the same job
 * twice on postgres-topic, often in one batch; PostgreSQL refuses an upsert that touches a row
 * twice, which fails the task for good (the batch comes back on every restart). The stack's
 * config, run here as a connector of its own on its own topic and table, must write such a batch.
 */
const config = loadStackConfig()
const ep = endpoints(config)
const SINK = 'postgres-connector'

const postgres = new pg.Client({ ...ep.postgres, database: 'jobs' })
await postgres.connect()
after(() => postgres.end())

test('the same job twice in one batch is upserted once, the later record wins, and the sink keeps running', async () => {
  const tag = unique('')
  const table = `jobs_twice_${tag}`
  const topic = `it.jobs.twice.${tag}`
  const name = `it-jobs-twice-sink-${tag}`
  after(async () => {
    await deleteConnector(ep.connect, name)
    await deleteTopics([topic, `${topic}.dlq`])
    await postgres.query(`DROP TABLE IF EXISTS ${pg.escapeIdentifier(table)}`)
  })
  await postgres.query(`CREATE TABLE ${pg.escapeIdentifier(table)} (LIKE jobs INCLUDING ALL)`)
  await postgres.query(`GRANT SELECT, INSERT, UPDATE ON TABLE ${pg.escapeIdentifier(table)} TO jdbc_sink`)
  const admin = new Admin({ clientId: 'it-jobs-twice-admin', bootstrapBrokers: ep.kafkaBrokers, sasl: stack.kafkaSasl })
  await admin.createTopics({ topics: [topic], partitions: 1, replicas: config.kafka.replicationFactor }).finally(() => admin.close())

  const base = await (await connectFetch(ep.connect, `/connectors/${SINK}/config`)).json() as Record<string, string>
  assert.equal(base['dialect.postgres.unnest.insert.enabled'], 'true', 'the stack\'s sink writes a batch as one UNNEST upsert')
  await applyConnector(ep.connect, {
    name,
    config: { ...base, name, topics: topic, 'tasks.max': '1', 'collection.name.format': table, 'errors.deadletterqueue.topic.name': `${topic}.dlq` }
  })

  // Exactly what the converter writes: keyed by job id, the value with the schema the JsonConverter needs.
  const job = (id: string, finishEpochSeconds: number) => ({
    topic,
    key: id,
    value: JSON.stringify(toPostgresRecord({ id, status: 'finish', createDate: '', finishDate: '', createEpochSeconds: 1, finishEpochSeconds }))
  })
  const twice = randomUUID()
  const once = randomUUID()
  const producer = createProducer({ brokers: ep.kafkaBrokers, sasl: stack.kafkaSasl, clientId: 'it-jobs-twice' })
  try {
    // One send is one produce request: the three records share a batch, so one poll reads them together.
    await producer.send([job(twice, 100), job(once, 100), job(twice, 200)])
  } finally {
    await producer.close()
  }

  const rows = await eventually(async () => {
    const state = await connectorState(ep.connect, name)
    assert.ok(!state?.tasks.some(t => t.state === 'FAILED'), `the sink failed: ${state?.tasks.map(t => t.trace?.split('\n')[0]).join('; ')}`)
    const { rows } = await postgres.query<{ id: string, finish_date: string }>(`SELECT id, finish_date FROM ${pg.escapeIdentifier(table)} ORDER BY finish_date, id`)
    assert.equal(rows.length, 2, `rows so far: ${JSON.stringify(rows)}`)
    return rows
  })
  assert.deepEqual(Object.fromEntries(rows.map(r => [r.id, Number(r.finish_date)])), { [once]: 100, [twice]: 200 })
  const state = await connectorState(ep.connect, name)
  assert.ok(state?.tasks.length === 1 && state.tasks[0]?.state === 'RUNNING', JSON.stringify(state))
})
