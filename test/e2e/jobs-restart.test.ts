import assert from 'node:assert/strict'
import { setTimeout as delay } from 'node:timers/promises'
import { after, test } from 'node:test'
import type { TestContext } from 'node:test'
import { eventually, restoreStack, stopComponents } from '@ripple/testing'
import { createJob, jobRows, waitForClickhouseRows, waitForJobRows, waitUntilFinished } from './jobs.helpers.ts'
import { assertInFlight } from './faults.support.ts'

after(restoreStack)

/**
 * Posts `total` jobs, 10 at a time, and stops the processor once a tenth of them are in: whatever
 * it was doing then, every job must end finished in informer, with its one row in PostgreSQL (the
 * sink upserts by id) and two rows in ClickHouse as readers see them (FINAL: a JobDone sent twice
 * is two more lines until a merge). The fault must hit
 * mid-burst: fewer than half the jobs may have reached PostgreSQL when the processor is down.
 */
async function throughFault (t: TestContext, total: number, stop: () => Promise<void>): Promise<void> {
  const ids: string[] = []
  // Paced (about 20 jobs/s) until the processor is down: `./ripple stop` itself takes seconds, and
  // the processor must go down while most jobs are still to come. Unpaced after.
  let paceMs = 500
  const posting = (async () => {
    while (ids.length < total) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, total - ids.length) }, () => createJob({ sleep: 200, data_size: 256 })))
      ids.push(...batch.map(j => j.id))
      await delay(paceMs)
    }
  })()
  await eventually(() => assert.ok(ids.length >= total / 10), 120_000, 20)
  await stop()
  // The processor is gone: no job gets further than where it was.
  const doneAtFault = (await jobRows(ids)).length
  t.diagnostic(`jobs in PostgreSQL when the processor went down: ${doneAtFault} of ${total}`)
  assertInFlight('jobs in PostgreSQL', doneAtFault, total)
  paceMs = 0
  await restoreStack()
  await posting
  assert.equal(new Set(ids).size, total)

  await waitUntilFinished(ids)
  const rows = await waitForJobRows(ids)
  assert.equal(rows.length, total, 'one row per job (the sink upserts by id: a redelivery updates it)')
  assert.ok(rows.every(r => r.status === 'finish'))

  // A JobDone the restarted processor sends again is a second line: a duplicate row until
  // ClickHouse merges (docs/pipelines.md, "What Ripple promises"), so the rows are counted as readers see them.
  const clickhouse = await waitForClickhouseRows(ids)
  assert.equal(clickhouse.length, 2 * total, 'two rows per job as readers see them (FINAL)')
}

test('the processor stopped and restarted in the middle of 1,000 jobs: every job finishes, none lost', async t => {
  await throughFault(t, 1000, () => stopComponents(['processor']))
})

test('the processor killed (SIGKILL) in the middle of 1,000 jobs: every job finishes, none lost', async t => {
  await throughFault(t, 1000, () => stopComponents(['processor'], { kill: true }))
})
