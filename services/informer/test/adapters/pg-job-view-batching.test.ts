// How the view's writes are batched, against a pool that records its statements (the SQL itself
// is proved against the real PostgreSQL in pg-job-view-repository.adapter.test.ts).
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Pool } from 'pg'
import { createPgJobViewRepository } from '../../src/adapters/pg-job-view-repository.adapter.ts'
import type { JobEvent } from '../../src/entities/job-view.entity.ts'

const CREATE = '2024-01-27T12:34:50.594423357Z'
const A = '00000000-0000-4000-8000-00000000000a'
const B = '00000000-0000-4000-8000-00000000000b'
const created = (id: string): JobEvent => ({ kind: 'created', id, createDate: CREATE })
const finished = (id: string, finishDate: string): JobEvent => ({ kind: 'finish', id, createDate: CREATE, finishDate })

function recordingPool () {
  const statements: unknown[][] = []
  const pool = {
    query: async (statement: { values: unknown[] }) => {
      statements.push(statement.values)
      return { rows: [] }
    }
  }
  return { pool: pool as unknown as Pool, statements }
}

describe('job view batching', () => {
  it('writes a job\'s events of one batch as one row of one statement, as if applied in order', async () => {
    const { pool, statements } = recordingPool()
    const views = createPgJobViewRepository(pool)
    // Handed over in one turn, as the consumer does with a fetch holding both topics' records.
    await Promise.all([
      views.apply(finished(B, '2024-01-27T12:34:50.800000000Z')),
      views.apply(created(A)),
      views.apply(finished(A, '2024-01-27T12:34:50.700000000Z')),
      views.apply(created(B)),
      views.apply(finished(A, '2024-01-27T12:34:51.000000000Z')),
      views.apply(created(A))
    ])
    assert.deepEqual(statements, [[
      [A, B],
      ['finish', 'finish'],
      [CREATE, CREATE],
      ['2024-01-27T12:34:51.000000000Z', '2024-01-27T12:34:50.800000000Z']
    ]])
  })

  it('keeps a job that is only created as created', async () => {
    const { pool, statements } = recordingPool()
    const views = createPgJobViewRepository(pool)
    await Promise.all([views.apply(created(B)), views.apply(created(B))])
    assert.deepEqual(statements, [[[B], ['created'], [CREATE], [null]]])
  })
})
