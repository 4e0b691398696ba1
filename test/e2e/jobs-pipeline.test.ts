import assert from 'node:assert/strict'
import { test } from 'node:test'
import { topicEndOffsets } from '@ripple/testing'
import { createJob, informerUrl, jobInfo, postJob, waitForClickhouseRows, waitForJobRows, waitUntilFinished } from './jobs.helpers.ts'

const epochSeconds = (rfc3339: string) => Math.floor(Date.parse(rfc3339) / 1000)

const clickhouseTime = (rfc3339: string) => rfc3339.slice(0, 19).replace('T', ' ')

test('a posted job becomes finish in informer, lands once in PostgreSQL jobs and as exactly two rows in ClickHouse jobs', async () => {
  const job = await createJob({ sleep: 50, data_size: 64 })
  assert.match(job.id, /^[0-9a-f-]{36}$/)
  assert.match(job.create_date, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/)
  assert.deepEqual([job.sleep, job.data_size], [50, 64])

  await waitUntilFinished([job.id], 60_000)
  const info = await jobInfo(job.id)
  assert.equal(info.status, 'finish')
  assert.equal(info.create_date, job.create_date)
  assert.ok(typeof info.finish_date === 'string' && info.finish_date > job.create_date)

  const [row, ...more] = await waitForJobRows([job.id], 60_000)
  assert.equal(more.length, 0, 'one row per job')
  assert.deepEqual(row, { id: job.id, status: 'finish', create_date: String(epochSeconds(job.create_date)), finish_date: String(epochSeconds(info.finish_date as string)) })

  // Every row stored (no FINAL): with no fault, each line is delivered once.
  const rows = await waitForClickhouseRows([job.id], 60_000, { final: false })
  assert.deepEqual(rows, [
    { id: job.id, status: 'create', timestamp: clickhouseTime(job.create_date) },
    { id: job.id, status: 'finish', timestamp: clickhouseTime(info.finish_date as string) }
  ])
})

test('the seed\'s bare POST makes a job with the defaults', async () => {
  const job = await createJob()
  assert.deepEqual([job.sleep, job.data_size], [100, 1024])
  await waitUntilFinished([job.id], 60_000)
  assert.equal((await waitForJobRows([job.id], 60_000)).length, 1)
})

test('informer answers unknown for an id no one created, 400 for one that is no UUID', async () => {
  assert.deepEqual(await jobInfo('00000000-0000-0000-0000-000000000000'), { id: '00000000-0000-0000-0000-000000000000', status: 'unknown' })
  const res = await fetch(`${informerUrl}/info/not-a-job`)
  assert.equal(res.status, 400)
  assert.equal((await res.json() as { field: string }).field, 'id')
})

test('the receiver refuses a malformed body or an out-of-range sleep with 400 naming the field, and makes no job', async () => {
  // A job made is a record on receiver-topic, whatever happens to it downstream.
  const before = await topicEndOffsets('receiver-topic')
  for (const [body, field] of [['{"sleep": 100', 'body'], [{ sleep: -1 }, 'sleep'], [{ sleep: 3_600_000 }, 'sleep'], [{ data_size: 1e9 }, 'data_size'], [{ sleep: 'soon' }, 'sleep']] as const) {
    const res = await postJob(body)
    assert.equal(res.status, 400, JSON.stringify(body))
    assert.equal(res.body.field, field)
    assert.equal(typeof res.body.message, 'string')
    assert.equal(res.body.id, undefined)
  }
  assert.deepEqual(await topicEndOffsets('receiver-topic'), before, 'nothing was written to receiver-topic')
})
