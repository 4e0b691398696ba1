import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { toJobEvent } from '../../src/transport/job-event.handler.ts'

const topics = { created: 'receiver-topic', finished: 'processor-topic' }
const message = (topic: string, value: unknown): ConsumedMessage => ({
  topic, partition: 0, offset: 0n, timestamp: 0n, key: null, headers: new Map(),
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))
})
const ID = 'B31B7446-20F7-4ADD-ADEA-157BAC7FE73B'
const CREATE = '2024-01-27T12:34:50.594423357Z'
const FINISH = '2024-01-27T12:34:50.704464721Z'

describe('toJobEvent', () => {
  it('reads a receiver-topic job as created, its id in lower case', () => {
    assert.deepEqual(toJobEvent(message('receiver-topic', { id: ID, create_date: CREATE, sleep: 99, data: 'ff' }), topics), { kind: 'created', id: ID.toLowerCase(), createDate: CREATE })
  })

  it('reads a processor-topic JobDone as finish', () => {
    assert.deepEqual(toJobEvent(message('processor-topic', { id: ID, status: 'finish', create_date: CREATE, finish_date: FINISH }), topics), { kind: 'finish', id: ID.toLowerCase(), createDate: CREATE, finishDate: FINISH })
  })

  for (const [what, m, field] of [
    ['a tombstone', message('receiver-topic', null), 'value'],
    ['text that is not JSON', message('processor-topic', 'nope'), 'value'],
    ['a job without create_date', message('receiver-topic', { id: ID }), 'value.create_date'],
    ['a JobDone of another status', message('processor-topic', { id: ID, status: 'failed', create_date: CREATE, finish_date: FINISH }), 'value.status'],
    ['a record of a topic it does not read', message('other-topic', { id: ID }), 'topic']
  ] as const) {
    it(`refuses ${what} as invalid input naming ${field}`, () => {
      assert.throws(() => toJobEvent(m, topics), (err: unknown) => err instanceof InvalidInputError && err.field === field)
    })
  }
})
