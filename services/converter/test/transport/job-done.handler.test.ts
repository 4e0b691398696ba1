import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { toJobDone } from '../../src/transport/job-done.handler.ts'

const message = (value: string | null): ConsumedMessage => ({
  topic: 'processor-topic', partition: 0, offset: 0n, timestamp: 0n, key: null, headers: new Map(),
  value: value === null ? null : Buffer.from(value)
})
const seedDone = { id: 'b31b7446-20f7-4add-adea-157bac7fe73b', status: 'finish', create_date: '2024-01-27T12:34:50.594423357Z', finish_date: '2024-01-27T12:34:50.704464721Z' }

describe('toJobDone', () => {
  it('reads the seed\'s JobDone with its dates as epoch seconds too', () => {
    assert.deepEqual(toJobDone(message(JSON.stringify(seedDone))), {
      id: seedDone.id, status: 'finish', createDate: seedDone.create_date, finishDate: seedDone.finish_date,
      createEpochSeconds: 1706358890, finishEpochSeconds: 1706358890
    })
  })

  it('reads dates with fewer fraction digits or an offset', () => {
    const done = toJobDone(message(JSON.stringify({ ...seedDone, create_date: '2024-01-27T15:34:50+03:00', finish_date: '2024-01-27T12:34:51.5Z' })))
    assert.equal(done.createEpochSeconds, 1706358890)
    assert.equal(done.finishEpochSeconds, 1706358891)
  })

  for (const [what, value, field] of [
    ['a tombstone', null, 'value'],
    ['text that is not JSON', 'done!', 'value'],
    ['an id that is no UUID', JSON.stringify({ ...seedDone, id: 'x' }), 'value.id'],
    ['a missing finish_date', JSON.stringify({ ...seedDone, finish_date: undefined }), 'value.finish_date'],
    ['a date that does not exist', JSON.stringify({ ...seedDone, create_date: '2024-02-30T00:00:00Z' }), 'value.create_date'],
    ['a status other than finish', JSON.stringify({ ...seedDone, status: 'failed' }), 'value.status']
  ] as const) {
    it(`refuses ${what} as invalid input naming ${field}, for the dead-letter topic`, () => {
      assert.throws(() => toJobDone(message(value)), (err: unknown) => err instanceof InvalidInputError && err.field === field)
    })
  }
})
