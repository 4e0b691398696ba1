import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, test } from 'node:test'
import { Producer, stringSerializers } from '@platformatic/kafka'
import { basicAuthorization, loadStackConfig } from '@ripple/stack'
import { clickhouseRows, eventually, restoreStack, stack, stopComponents } from '@ripple/testing'

const config = loadStackConfig()

// The topic the converter writes and ClickHouse's Kafka engine reads: the test writes there
// exactly what the converter does, one CSV line per message keyed by the job id.
const TOPIC = 'clickhouse-topic'
const producer = new Producer({ clientId: 'it-clickhouse', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl, serializers: stringSerializers, idempotent: true, acks: -1, autocreateTopics: true })
after(() => producer.close())

const send = (id: string, lines: string[]) => producer.send({ messages: lines.map(value => ({ topic: TOPIC, key: id, value })) })

interface JobRow { id: string, status: string, timestamp: string }
const rowsOf = (id: string) => clickhouseRows<JobRow>('SELECT id, status, toString(timestamp) AS timestamp FROM jobs FINAL WHERE id IN (SELECT value FROM job) ORDER BY status', { job: id })
/** Every row stored for the job, before any merge: a line delivered twice is two rows here. */
const storedRowsOf = (id: string) => clickhouseRows<JobRow>('SELECT id, status, toString(timestamp) AS timestamp FROM jobs WHERE id IN (SELECT value FROM job) ORDER BY status', { job: id })

test('ClickHouse 18.16 answers and holds the seed\'s jobs_kafka, jobs_mv and jobs', async () => {
  const ping = await fetch(`${stack.clickhouseUrl}/ping`)
  assert.equal((await ping.text()).trim(), 'Ok.')
  const [version] = await clickhouseRows<{ v: string }>('SELECT version() AS v')
  assert.match(version?.v ?? '', /^18\.16\./)
  const tables = await clickhouseRows<{ name: string, engine: string }>('SELECT name, engine FROM system.tables WHERE database = \'default\' AND name IN (\'jobs\', \'jobs_kafka\', \'jobs_mv\') ORDER BY name')
  assert.deepEqual(tables, [
    { name: 'jobs', engine: 'ReplacingMergeTree' },
    { name: 'jobs_kafka', engine: 'Kafka' },
    { name: 'jobs_mv', engine: 'MaterializedView' }
  ])
})

test('a job\'s two CSV lines on clickhouse-topic become its two rows in jobs', async () => {
  const id = randomUUID()
  await send(id, [`${id},create,2024-01-27T12:34:50.594423357Z`, `${id},finish,2024-01-27T12:34:51.704464721Z`])
  const rows = await eventually(async () => {
    const found = await rowsOf(id)
    if (found.length < 2) throw new Error(`${found.length} of 2 rows for ${id}`)
    return found
  })
  assert.deepEqual(rows, [
    { id, status: 'create', timestamp: '2024-01-27 12:34:50' },
    { id, status: 'finish', timestamp: '2024-01-27 12:34:51' }
  ])
})

test('lines delivered again leave two rows per job, the last finish time kept', async () => {
  const id = randomUUID()
  const create = `${id},create,2024-01-27T12:34:50Z`
  await send(id, [create, `${id},finish,2024-01-27T12:34:51Z`])
  await eventually(async () => { if ((await rowsOf(id)).length < 2) throw new Error('first delivery not in yet') })
  // What a processor reprocessing the job after a restart sends: the same create, a later finish.
  // Same key, same partition: once the later finish shows, the duplicates before it were read too.
  await send(id, [create, `${id},finish,2024-01-27T12:34:51Z`, create, `${id},finish,2024-01-27T12:35:07Z`])
  const rows = await eventually(async () => {
    const found = await rowsOf(id)
    if (found.find(r => r.status === 'finish')?.timestamp !== '2024-01-27 12:35:07') throw new Error('redelivery not in yet')
    return found
  })
  assert.deepEqual(rows.map(r => [r.status, r.timestamp]), [['create', '2024-01-27 12:34:50'], ['finish', '2024-01-27 12:35:07']])
})

test('a malformed line is skipped without losing the good lines around it', async () => {
  const id = randomUUID()
  await send(id, [`${id},create,2024-01-27T12:34:50Z`, 'not "csv at all', `${id},bogus,2024-01-27T12:34:50Z`, `${id},create,not a time`, `${id},finish,2024-01-27T12:34:52Z`])
  const rows = await eventually(async () => {
    const found = await rowsOf(id)
    if (found.length < 2) throw new Error(`${found.length} of 2 rows for ${id}`)
    return found
  })
  assert.deepEqual(rows.map(r => [r.status, r.timestamp]), [['create', '2024-01-27 12:34:50'], ['finish', '2024-01-27 12:34:52']])
})

test('lines written while ClickHouse is down (killed) arrive once it is back, each stored once (no FINAL); those from before the kill show once through FINAL', async () => {
  const before = randomUUID()
  await send(before, [`${before},create,2024-01-27T12:34:50Z`, `${before},finish,2024-01-27T12:34:51Z`])
  await eventually(async () => { if ((await rowsOf(before)).length < 2) throw new Error('not in yet') })
  await stopComponents(['clickhouse'], { kill: true })
  const ids = [randomUUID(), randomUUID(), randomUUID()]
  try {
    for (const id of ids) await send(id, [`${id},create,2024-01-27T12:34:50Z`, `${id},finish,2024-01-27T12:34:51Z`])
  } finally {
    await restoreStack()
  }
  // The killed member's session (10 s) must lapse before the group hands its partitions on.
  for (const id of [before, ...ids]) {
    const rows = await eventually(async () => {
      const found = await rowsOf(id)
      if (found.length < 2) throw new Error(`${found.length} of 2 rows for ${id}`)
      return found
    }, 120_000, 500)
    assert.deepEqual(rows.map(r => r.status), ['create', 'finish'], id)
  }
  // Lines first read after the restart are stored once: counted row by row, without FINAL. The
  // lines read before the kill may be read again if their offsets were not yet committed: a
  // duplicate FINAL hides until a merge, as docs/pipelines.md says.
  for (const id of ids) assert.deepEqual((await storedRowsOf(id)).map(r => r.status), ['create', 'finish'], `${id}: each line stored once`)
})

/** One statement over HTTP with the given Authorization header (none: anonymous). */
async function query (statement: string, authorization?: string): Promise<{ status: number, text: string }> {
  const res = await fetch(stack.clickhouseUrl, { method: 'POST', body: statement, headers: authorization ? { authorization } : {}, signal: AbortSignal.timeout(10_000) })
  return { status: res.status, text: await res.text() }
}

test('ClickHouse refuses a query without credentials or with a wrong password (HTTP 401, WRONG_PASSWORD / REQUIRED_PASSWORD)', async () => {
  const anonymous = await query('SELECT 1')
  assert.equal(anonymous.status, 401, anonymous.text)
  assert.match(anonymous.text, /Code: 19[34]\b.*(Wrong password|Password required) for user default/)
  const wrong = await query('SELECT 1', basicAuthorization('reader', `${config.secrets.clickhouse.reader}x`))
  assert.equal(wrong.status, 401, wrong.text)
  assert.match(wrong.text, /Code: 193\b.*Wrong password for user reader/)
  assert.equal((await query('SELECT 1', stack.clickhouse.authorization)).text.trim(), '1')
})

test('the read-only user reads but cannot INSERT, ALTER, DROP or change a setting (Code 164, READONLY)', async () => {
  assert.equal((await clickhouseRows<{ n: string }>('SELECT count() AS n FROM jobs WHERE id = \'none\'')).length, 1)
  for (const statement of [
    `INSERT INTO jobs (id, status, timestamp) VALUES ('${randomUUID()}', 'create', now())`,
    'ALTER TABLE jobs DELETE WHERE 1',
    'DROP TABLE jobs',
    'SET readonly = 0'
  ]) {
    const refused = await query(statement, stack.clickhouse.authorization)
    assert.notEqual(refused.status, 200, statement)
    assert.match(refused.text, /Code: 164\b.*readonly mode/i, `${statement}: ${refused.text}`)
  }
})
