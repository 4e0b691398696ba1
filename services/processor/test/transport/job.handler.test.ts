import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { toJob } from '../../src/transport/job.handler.ts'

const message = (value: string | null): ConsumedMessage => ({
  topic: 'receiver-topic', partition: 0, offset: 0n, timestamp: 0n, key: null, headers: new Map(),
  value: value === null ? null : Buffer.from(value)
})
const seedJob = { id: 'b31b7446-20f7-4add-adea-157bac7fe73b', create_date: '2024-01-27T12:34:50.594423357Z', sleep: 99, data: '4f16' }

describe('toJob', () => {
  it('reads the seed\'s job record, create_date to the nanosecond', () => {
    assert.deepEqual(toJob(message(JSON.stringify(seedJob))), {
      id: seedJob.id, createDate: seedJob.create_date, createdAtNs: 1_706_358_890_594_423_357n, sleep: 99
    })
  })

  for (const [what, value, field] of [
    ['a tombstone', null, 'value'],
    ['text that is not JSON', 'job!', 'value'],
    ['a record without an id', JSON.stringify({ ...seedJob, id: undefined }), 'value.id'],
    ['an id that is no UUID', JSON.stringify({ ...seedJob, id: '42' }), 'value.id'],
    ['a create_date that is no timestamp', JSON.stringify({ ...seedJob, create_date: 'yesterday' }), 'value.create_date'],
    ['a negative sleep', JSON.stringify({ ...seedJob, sleep: -5 }), 'value.sleep']
  ] as const) {
    it(`refuses ${what} as invalid input naming ${field}, for the dead-letter topic`, () => {
      assert.throws(() => toJob(message(value)), (err: unknown) => err instanceof InvalidInputError && err.field === field)
    })
  }
})
