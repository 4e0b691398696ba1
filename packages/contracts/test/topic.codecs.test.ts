// Each topic's one codec: what a producer encodes is what every consumer decodes, and what a
// consumer cannot take fails as an InvalidInputError naming the field, which the kit dead-letters.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { deadLetterHeaders, deadLetterTopic, InvalidInputError } from '@ripple/kit'
import {
  DATA_TOPICS, deadLetterTopicOf, decodeJobDone, decodeJobRecord, decodeOutboxRecord, decodeUserChange, encodeCargaRecord, encodeClickhouseJobRow, encodeJobDone, encodeJobRecord,
  encodePostgresJobRecord, outboxRecord, postCreatedEvent
} from '../src/index.ts'

const invalid = (field: string) => (e: unknown) => e instanceof InvalidInputError && e.field === field
const bytes = (value: string | null) => ({ value: value === null ? null : Buffer.from(value) })

const job = { id: '0f8fad5b-d9cb-469f-a165-70867728950e', createDate: '2024-01-27T12:34:50.594423357Z', sleep: 10, data: 'ab' }
const done = { id: job.id, createDate: job.createDate, finishDate: '2024-01-27T12:34:50.704464721Z' }

describe('jobs codecs', () => {
  it('decodes what the producers encode, field for field as the seed writes it', () => {
    const encoded = encodeJobRecord(job)
    assert.equal(encoded, JSON.stringify({ id: job.id, create_date: job.createDate, sleep: 10, data: 'ab' }))
    assert.deepEqual(decodeJobRecord(bytes(encoded)), { id: job.id, create_date: job.createDate, sleep: 10, data: 'ab' })
    assert.deepEqual(decodeJobDone(bytes(encodeJobDone(done))), { id: job.id, status: 'finish', create_date: done.createDate, finish_date: done.finishDate })
  })

  it('refuses to send what a consumer would dead-letter, naming the field', () => {
    assert.throws(() => encodeJobRecord({ ...job, sleep: -1 }), invalid('sleep'))
    assert.throws(() => encodeJobDone({ ...done, finishDate: 'yesterday' }), invalid('finish_date'))
    assert.throws(() => encodeClickhouseJobRow(`${job.id},started,${job.createDate}`), invalid('value'))
    const row = { schema: { type: 'struct' }, payload: { id: job.id, status: 'finish' as const, create_date: 1, finish_date: 2 } }
    assert.equal(encodePostgresJobRecord(row), JSON.stringify(row))
    assert.throws(() => encodePostgresJobRecord({ ...row, payload: { ...row.payload, create_date: 1.5 } }), invalid('payload.create_date'))
  })

  it('decodes a bad record as an InvalidInputError naming the field', () => {
    assert.throws(() => decodeJobRecord(bytes(JSON.stringify({ id: job.id, create_date: job.createDate, sleep: 'x', data: '' }))), invalid('value.sleep'))
    assert.throws(() => decodeJobDone(bytes(JSON.stringify({ id: job.id, status: 'failed', create_date: done.createDate, finish_date: done.finishDate }))), invalid('value.status'))
    assert.throws(() => decodeJobDone(bytes(null)), invalid('value'))
  })
})

describe('carga encoder', () => {
  it('sends a record its readers take, and refuses one they would not', () => {
    assert.equal(encodeCargaRecord({ id: 'a1', valor: 'x' }), '{"id":"a1","valor":"x"}')
    assert.throws(() => encodeCargaRecord({ id: '', valor: 'x' }), invalid('id'))
  })
})

describe('outbox codec', () => {
  const post = { id: 7, authorId: 'alice', title: 'Hello', content: 'World', createdAt: new Date('2026-03-01T10:00:00.123Z') }
  const eventId = 'c0ffee00-0000-4000-8000-000000000001'

  it('what the polling relay sends, the consumer decodes', () => {
    const record = outboxRecord(postCreatedEvent(post, eventId))
    assert.equal(record.topic, 'outbox.event.post')
    assert.equal(record.value, '{"id":7,"authorId":"alice","title":"Hello","content":"World","createdAt":"2026-03-01T10:00:00.123Z"}')
    const message = { key: Buffer.from(record.key), value: Buffer.from(record.value), headers: new Map(Object.entries(record.headers).map(([k, v]) => [k, Buffer.from(v)])) }
    assert.deepEqual(decodeOutboxRecord(message), { kind: 'post-created', eventId, post: { ...post, createdAt: '2026-03-01T10:00:00.123Z' } })
    assert.throws(() => decodeOutboxRecord({ ...message, key: Buffer.from('bob') }), invalid('key'))
    assert.throws(() => decodeOutboxRecord({ ...message, headers: new Map([['eventType', Buffer.from('PostCreated')]]) }), invalid('headers.id'))
  })

  it('refuses to write an outbox row its consumers would dead-letter', () => {
    assert.throws(() => postCreatedEvent({ ...post, id: 0 }, eventId), invalid('id'))
  })
})

describe('users decoder', () => {
  const row = { id: '0f8fad5bd9cb469fa16570867728950e', username: 'ana', email: 'ana@example.org', fullName: null, dateOfBirth: null, address: null, createdAt: 1, lastUpdated: 2, status: 'Confirmed', passwordChangedAt: null }
  const source = { ts_ms: 1, db: 'userdata', table: 'users', file: 'mariadb-bin.000001', pos: 4, row: 0 }

  it('carries a column added later (ALTER TABLE … ADD COLUMN) to the reader', () => {
    const decoded = decodeUserChange(bytes(JSON.stringify({ op: 'u', before: row, after: { ...row, nickname: 'an' }, source })))
    assert.equal(decoded.kind === 'change' && decoded.event.after?.nickname, 'an')
    assert.deepEqual(decodeUserChange(bytes(null)), { kind: 'tombstone' })
  })

  it('refuses an event the contract refuses, naming the field', () => {
    assert.throws(() => decodeUserChange(bytes(JSON.stringify({ op: 'c', after: { ...row, email: 7 }, source }))), invalid('after.email'))
    assert.throws(() => decodeUserChange(bytes(JSON.stringify({ op: 'c', after: { ...row, password: 'scrypt$…' }, source }))), invalid('after.password'))
    assert.throws(() => decodeUserChange(bytes('{')), invalid('value'))
  })
})

describe('dead letters', () => {
  // The kit writes them and cannot import the catalogue (the contracts depend on the kit), so the
  // catalogue's description of them is held to what the kit writes here instead.
  it('the kit parks a service\'s records where the catalogue says, with the headers it describes', () => {
    for (const topic of DATA_TOPICS.filter(t => t.consumers.some(c => 'service' in c.by))) {
      assert.equal(deadLetterTopic(topic.name), topic.deadLetter, `${topic.name}'s dead-letter topic`)
      const parked = deadLetterTopicOf(topic)
      const message = { topic: topic.name, partition: 2, offset: 41n, timestamp: 0n, key: null, value: null, headers: new Map() }
      const headers = { ...deadLetterHeaders(message, new InvalidInputError('value.id', 'bad'), 1), 'x-dlq-consumer-group': 'g' }
      assert.equal(parked.headers.safeParse(headers).success, true, `${parked.name}'s headers: ${JSON.stringify(parked.headers.safeParse(headers).error?.issues)}`)
    }
  })
})
