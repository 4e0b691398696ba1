// The view's SQL against the real PostgreSQL, in a scratch database: the same rules as mergeJobView.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { scratchPostgresDatabase, stack } from '@ripple/testing'
import pg from 'pg'
import { mergeJobView } from '../../src/entities/job-view.entity.ts'
import type { JobEvent, JobView } from '../../src/entities/job-view.entity.ts'
import { createPgJobViewRepository, ensureJobViewTable } from '../../src/adapters/pg-job-view-repository.adapter.ts'
import type { JobViewRepository } from '../../src/ports/job-view-repository.port.ts'

const CREATE = '2024-01-27T12:34:50.594423357Z'
const created = (id: string): JobEvent => ({ kind: 'created', id, createDate: CREATE })
const finished = (id: string, finishDate = '2024-01-27T12:34:50.704464721Z'): JobEvent => ({ kind: 'finish', id, createDate: CREATE, finishDate })

describe('PostgreSQL job view', () => {
  let database: Awaited<ReturnType<typeof scratchPostgresDatabase>>
  let pool: pg.Pool
  let views: JobViewRepository

  before(async () => {
    database = await scratchPostgresDatabase('test_informer_')
    pool = new pg.Pool({ ...stack.postgres, database: database.name, max: 8 })
    await ensureJobViewTable(pool)
    await ensureJobViewTable(pool)
    views = createPgJobViewRepository(pool)
  })
  after(async () => {
    await pool.end()
    await database.drop()
  })

  it('folds every order of a job\'s events into what mergeJobView gives', async () => {
    const orders: JobEvent[][] = [
      [created('a'), finished('a')],
      [finished('a'), created('a')],
      [created('a'), created('a')],
      [finished('a'), finished('a', '2024-01-27T12:34:52.000000000Z')],
      [created('a'), finished('a'), created('a'), finished('a')]
    ]
    for (const order of orders) {
      const id = randomUUID()
      const events = order.map(e => ({ ...e, id }))
      for (const event of events) await views.apply(event)
      const expected = events.reduce<JobView | undefined>(mergeJobView, undefined)
      assert.deepEqual(await views.find(id), expected, order.map(e => e.kind).join(' → '))
    }
    assert.equal(await views.find(randomUUID()), undefined)
  })

  it('applies thousands of events at once, both of each job concurrently, and every job ends finished', async () => {
    const ids = Array.from({ length: 2000 }, () => randomUUID())
    // Each job's two events race each other, half of them created-first and half finish-first.
    await Promise.all(ids.flatMap((id, i) => i % 2 === 0 ? [views.apply(created(id)), views.apply(finished(id))] : [views.apply(finished(id)), views.apply(created(id))]))
    const rows = await pool.query<{ status: string, n: string }>('SELECT status, count(*) AS n FROM job_views WHERE id = ANY($1::uuid[]) GROUP BY status', [ids])
    assert.deepEqual(rows.rows.map(r => ({ status: r.status, n: Number(r.n) })), [{ status: 'finish', n: 2000 }])
  })
})
