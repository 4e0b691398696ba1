import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { z } from 'zod'
import { InvalidInputError } from '../../src/errors/ripple.error.ts'
import { changeEventId, decodeChangeEvent, decodeChangeKey } from '../../src/debezium/change-event.decoder.ts'

// Shaped like Debezium 3.x MariaDB output through JsonConverter.
const source = { version: '3.5.0.Final', connector: 'mariadb', name: 'cdc.table', ts_ms: 1700000000000, snapshot: 'false', db: 'userdata', table: 'users', server_id: 1, gtid: '0-1-42', file: 'mariadb-bin.000003', pos: 1234, row: 0 }
const payload = {
  before: { id: '0f3c1d2e4b5a69788796a5b4c3d2e1f0', email: 'a@x.test', fullName: 'Ann', dateOfBirth: 7000 },
  after: { id: '0f3c1d2e4b5a69788796a5b4c3d2e1f0', email: 'a@x.test', fullName: 'Ann B', dateOfBirth: 7000 },
  source,
  op: 'u',
  ts_ms: 1700000000123
}
const rowFields = [
  { type: 'string', optional: false, field: 'id' },
  { type: 'string', optional: false, field: 'email' },
  { type: 'string', optional: true, field: 'fullName' },
  { type: 'int32', optional: true, name: 'io.debezium.time.Date', version: 1, field: 'dateOfBirth' }
]
const schema = {
  type: 'struct',
  name: 'cdc.table.userdata.users.Envelope',
  optional: false,
  fields: [
    { type: 'struct', fields: rowFields, optional: true, name: 'cdc.table.userdata.users.Value', field: 'before' },
    { type: 'struct', fields: rowFields, optional: true, name: 'cdc.table.userdata.users.Value', field: 'after' },
    { type: 'struct', fields: [{ type: 'string', field: 'db' }], optional: false, name: 'io.debezium.connector.mariadb.Source', field: 'source' },
    { type: 'string', optional: false, field: 'op' },
    { type: 'int64', optional: true, field: 'ts_ms' }
  ]
}

const invalid = (field?: string) => (error: unknown) => error instanceof InvalidInputError && (field === undefined || error.field === field)

describe('decodeChangeEvent', () => {
  it('decodes a payload written with schemas off', () => {
    const decoded = decodeChangeEvent(Buffer.from(JSON.stringify(payload)))
    assert.equal(decoded.kind, 'change')
    if (decoded.kind !== 'change') return
    assert.equal(decoded.event.op, 'u')
    assert.deepEqual(decoded.event.before, payload.before)
    assert.deepEqual(decoded.event.after, payload.after)
    assert.equal(decoded.event.source.file, 'mariadb-bin.000003')
    assert.equal(decoded.event.ts_ms, 1700000000123)
    assert.equal(decoded.event.rowSchema, undefined)
  })

  it('decodes the {schema, payload} envelope written with schemas on, keeping column types', () => {
    const decoded = decodeChangeEvent(JSON.stringify({ schema, payload }))
    assert.equal(decoded.kind, 'change')
    if (decoded.kind !== 'change') return
    assert.deepEqual(decoded.event.after, payload.after)
    assert.deepEqual(decoded.event.rowSchema?.dateOfBirth, { type: 'int32', name: 'io.debezium.time.Date', optional: true })
    assert.equal(decoded.event.rowSchema?.email?.type, 'string')
  })

  it('takes ts_ms from the source when the envelope lacks it', () => {
    const decoded = decodeChangeEvent(JSON.stringify({ ...payload, ts_ms: undefined }))
    assert.equal(decoded.kind === 'change' && decoded.event.ts_ms, source.ts_ms)
  })

  it('reads creates, deletes, snapshot reads and truncates', () => {
    const ops = [
      { op: 'c', before: null, after: payload.after },
      { op: 'd', before: payload.before, after: null },
      { op: 'r', before: null, after: payload.after },
      { op: 't', before: null, after: null }
    ]
    for (const change of ops) {
      const decoded = decodeChangeEvent(JSON.stringify({ ...change, source, ts_ms: 1 }))
      assert.equal(decoded.kind === 'change' && decoded.event.op, change.op)
    }
  })

  it('turns a null value, an empty value and a null payload into a tombstone', () => {
    assert.deepEqual(decodeChangeEvent(null), { kind: 'tombstone' })
    assert.deepEqual(decodeChangeEvent(undefined), { kind: 'tombstone' })
    assert.deepEqual(decodeChangeEvent(Buffer.alloc(0)), { kind: 'tombstone' })
    assert.deepEqual(decodeChangeEvent(JSON.stringify({ schema: null, payload: null })), { kind: 'tombstone' })
  })

  it('rejects anything that is not a change event as invalid input', () => {
    assert.throws(() => decodeChangeEvent('not json {'), invalid('value'))
    assert.throws(() => decodeChangeEvent('[1,2]'), invalid('value'))
    assert.throws(() => decodeChangeEvent('"text"'), invalid('value'))
    assert.throws(() => decodeChangeEvent(JSON.stringify({ ...payload, op: 'x' })), invalid('op'))
    assert.throws(() => decodeChangeEvent(JSON.stringify({ ...payload, source: undefined })), invalid('source'))
    assert.throws(() => decodeChangeEvent(JSON.stringify({ ...payload, after: null })), invalid('after'))
    assert.throws(() => decodeChangeEvent(JSON.stringify({ ...payload, op: 'd', before: null })), invalid('before'))
    assert.throws(() => decodeChangeEvent(JSON.stringify({ schema, payload: 42 })), invalid())
  })

  it('validates rows with a given schema', () => {
    const row = z.object({ id: z.string(), email: z.email() })
    const decoded = decodeChangeEvent(JSON.stringify(payload), row)
    assert.equal(decoded.kind === 'change' && decoded.event.after?.email, 'a@x.test')
    const bad = { ...payload, after: { ...payload.after, email: 'nope' } }
    assert.throws(() => decodeChangeEvent(JSON.stringify(bad), row), invalid('after.email'))
  })
})

describe('decodeChangeKey', () => {
  it('reads keys with and without schema', () => {
    assert.deepEqual(decodeChangeKey('{"id":"abc"}'), { id: 'abc' })
    assert.deepEqual(decodeChangeKey(Buffer.from(JSON.stringify({ schema: { type: 'struct', fields: [] }, payload: { id: 'abc' } }))), { id: 'abc' })
    assert.equal(decodeChangeKey(null), null)
  })

  it('rejects a key that is not a JSON object', () => {
    assert.throws(() => decodeChangeKey('nope'), invalid('key'))
    assert.throws(() => decodeChangeKey('7'), invalid('key'))
  })
})

describe('changeEventId', () => {
  const position = { topic: 't', partition: 2, offset: 99n }
  const event = (op: 'c' | 'u' | 'r', extra: Record<string, unknown>) => {
    const decoded = decodeChangeEvent(JSON.stringify({ ...payload, op, source: { ...source, ...extra } }))
    assert.equal(decoded.kind, 'change')
    if (decoded.kind !== 'change') throw new Error('unreachable')
    return decoded.event
  }

  it('uses the binlog file, position and row, whatever the Kafka offset', () => {
    assert.equal(changeEventId(event('u', { row: 3 }), position), 'binlog:mariadb-bin.000003:1234:3')
    assert.equal(changeEventId(event('u', { row: 3 }), { ...position, offset: 5n }), 'binlog:mariadb-bin.000003:1234:3')
  })

  it('falls back to gtid and row, then to the Kafka position', () => {
    assert.equal(changeEventId(event('u', { file: undefined, pos: undefined }), position), 'gtid:0-1-42:0')
    assert.equal(changeEventId(event('u', { file: undefined, pos: undefined, gtid: null }), position), 'kafka:t:2:99')
  })

  it('identifies snapshot reads by Kafka position, since they share one binlog position', () => {
    assert.equal(changeEventId(event('r', { snapshot: 'true' }), position), 'kafka:t:2:99')
    assert.equal(changeEventId(event('c', { snapshot: 'last' }), position), 'kafka:t:2:99')
  })
})
