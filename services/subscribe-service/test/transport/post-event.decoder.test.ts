import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { decodePostEvent } from '../../src/transport/post-event.decoder.ts'

const payload = { id: 7, authorId: 'alice', title: 'Hello', content: 'World', createdAt: '2026-03-01T10:00:00.123Z' }

function record (overrides: { key?: string | null, value?: string | null, headers?: Record<string, string> } = {}): ConsumedMessage {
  const headers = overrides.headers ?? { id: 'c0ffee00-0000-4000-8000-000000000001', eventType: 'PostCreated' }
  return {
    topic: 'outbox.event.post', partition: 0, offset: 0n, timestamp: 0n,
    key: overrides.key === undefined ? Buffer.from('alice') : overrides.key === null ? null : Buffer.from(overrides.key),
    value: overrides.value === undefined ? Buffer.from(JSON.stringify(payload)) : overrides.value === null ? null : Buffer.from(overrides.value),
    headers: new Map(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]))
  }
}

function assertInvalid (message: ConsumedMessage, field: string) {
  assert.throws(() => decodePostEvent(message), (e: unknown) => e instanceof InvalidInputError && e.field === field)
}

describe('outbox record decoder', () => {
  it('reads the event id and type from the headers and the post from the JSON value', () => {
    assert.deepEqual(decodePostEvent(record()), {
      kind: 'post-created',
      event: { eventId: 'c0ffee00-0000-4000-8000-000000000001', post: { id: 7, authorId: 'alice', title: 'Hello', createdAt: new Date('2026-03-01T10:00:00.123Z') } }
    })
  })

  it('skips other event types, whatever their value', () => {
    assert.deepEqual(decodePostEvent(record({ headers: { id: 'x', eventType: 'PostDeleted' }, value: 'not json' })), { kind: 'ignored', type: 'PostDeleted' })
  })

  it('refuses malformed records, naming what is wrong', () => {
    assertInvalid(record({ headers: { eventType: 'PostCreated' } }), 'headers.id')
    assertInvalid(record({ headers: { id: 'x' } }), 'headers.eventType')
    assertInvalid(record({ value: null }), 'value')
    // An escaped JSON string (the EventRouter with a JSON converter and no expansion) is not the post.
    assertInvalid(record({ value: '"{\\"id\\":7}"' }), 'value')
    assertInvalid(record({ value: '{"id": 7,' }), 'value')
    assertInvalid(record({ value: JSON.stringify({ ...payload, createdAt: 'yesterday' }) }), 'value.createdAt')
    assertInvalid(record({ value: JSON.stringify({ ...payload, id: '7' }) }), 'value.id')
    assertInvalid(record({ key: 'bob' }), 'key')
    assertInvalid(record({ key: null }), 'key')
  })
})
