import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { changeEventId, decodeChangeEvent, InvalidInputError } from '@ripple/kit'
import type { ChangeEvent } from '@ripple/kit'
import { temporalText, toUserChange, toUserSnapshot, uuidFrom } from '../../src/transport/user-row.mapper.ts'

const source = { ts_ms: 1, db: 'userdata', table: 'users' }
const row = { id: '0f3c1d2e4b5a69788796a5b4c3d2e1f0', email: 'a@x.test', username: 'a', fullName: 'A', dateOfBirth: 7305, address: null, status: 'Confirmed' }

describe('uuidFrom', () => {
  it('reads hex, base64 and UUID renderings of BINARY(16)', () => {
    const uuid = '0f3c1d2e-4b5a-6978-8796-a5b4c3d2e1f0'
    assert.equal(uuidFrom('0F3C1D2E4B5A69788796A5B4C3D2E1F0'), uuid)
    assert.equal(uuidFrom(Buffer.from('0f3c1d2e4b5a69788796a5b4c3d2e1f0', 'hex').toString('base64')), uuid)
    assert.equal(uuidFrom(uuid.toUpperCase()), uuid)
    assert.equal(uuidFrom('not-an-id'), 'not-an-id')
  })
})

// Debezium's io.debezium.time.Date: days since 1970-01-01, proleptic Gregorian, negative before 1970.
const BIRTH_DATES: Array<[number, string]> = [
  [-719_162, '0001-01-01'],
  [-135_140, '1600-01-01'],
  [-1, '1969-12-31'],
  [0, '1970-01-01'],
  [19_782, '2024-02-29'],
  [2_932_896, '9999-12-31']
]

describe('temporalText', () => {
  it('reads a Debezium Date as days since 1970-01-01 and writes YYYY-MM-DD, from 0001-01-01 on', () => {
    for (const [days, date] of BIRTH_DATES) assert.equal(temporalText(days, 'io.debezium.time.Date'), date, `${days} days`)
  })

  it('reads milli, micro and nano timestamps as instants, before the epoch too', () => {
    assert.equal(temporalText(1_718_000_000_123, 'io.debezium.time.Timestamp'), '2024-06-10T06:13:20.123Z')
    assert.equal(temporalText(1_718_000_000_123_456, 'io.debezium.time.MicroTimestamp'), '2024-06-10T06:13:20.123Z')
    assert.equal(temporalText(-1, 'io.debezium.time.MicroTimestamp'), '1969-12-31T23:59:59.999Z')
    assert.equal(temporalText(-62_135_596_800_000_000, 'io.debezium.time.MicroTimestamp'), '0001-01-01T00:00:00.000Z')
    assert.equal(temporalText(1_718_000_000_123 * 1_000_000, 'io.debezium.time.NanoTimestamp'), '2024-06-10T06:13:20.123Z')
  })

  it('shows a number no date can hold as it came, and knows nothing of other types', () => {
    assert.equal(temporalText(1e12, 'io.debezium.time.Date'), '1000000000000')
    assert.equal(temporalText(1.5, 'io.debezium.time.Date'), '1.5')
    assert.equal(temporalText(5, 'int32'), undefined)
  })
})

describe('toUserSnapshot', () => {
  it('reads dateOfBirth as a Debezium Date without a schema, whatever the size of the number', () => {
    for (const [days, date] of BIRTH_DATES) assert.equal(toUserSnapshot({ ...row, dateOfBirth: days }, 'after').dateOfBirth, date, `${days} days`)
    // Read by magnitude, -135140 was taken for milliseconds (1969-12-31T23:57:44.860Z) and 100000 for a time too.
    assert.equal(toUserSnapshot({ ...row, dateOfBirth: 100_000 }, 'after').dateOfBirth, '2243-10-17')
  })

  it('reads the DATETIME(6) columns as microseconds without a schema: createdAt, lastUpdated, passwordChangedAt', () => {
    const snapshot = toUserSnapshot({ ...row, createdAt: 1_718_000_000_000_000, lastUpdated: 1_718_000_000_250_000, passwordChangedAt: 1_795_291_925_296_123 }, 'after')
    assert.equal(snapshot.dateOfBirth, '1990-01-01')
    assert.equal(snapshot.createdAt, '2024-06-10T06:13:20.000Z')
    assert.equal(snapshot.lastUpdated, '2024-06-10T06:13:20.250Z')
    assert.equal(snapshot.passwordChangedAt, '2026-11-21T20:12:05.296Z')
    assert.equal(snapshot.id, '0f3c1d2e-4b5a-6978-8796-a5b4c3d2e1f0')
    assert.equal(snapshot.address, null)
    assert.equal(toUserSnapshot({ ...row, passwordChangedAt: null }, 'after').passwordChangedAt, null)
  })

  it('follows the logical type when the schema is there', () => {
    const snapshot = toUserSnapshot({ ...row, dateOfBirth: -135_140, lastUpdated: 1_718_000_000_000 }, 'after', {
      dateOfBirth: { type: 'int32', name: 'io.debezium.time.Date' },
      lastUpdated: { type: 'int64', name: 'io.debezium.time.Timestamp' }
    })
    assert.equal(snapshot.dateOfBirth, '1600-01-01')
    assert.equal(snapshot.lastUpdated, '2024-06-10T06:13:20.000Z')
  })

  it('a schema that names no temporal type: the number is shown as a number', () => {
    assert.equal(toUserSnapshot({ ...row, dateOfBirth: 7305 }, 'after', { dateOfBirth: { type: 'int32' } }).dateOfBirth, '7305')
    assert.equal(toUserSnapshot({ ...row, loginCount: 1_718_000_000_000 }, 'after').loginCount, '1718000000000', 'an unknown column is not guessed at')
  })

  it('keeps dates that already are text', () => {
    assert.equal(toUserSnapshot({ ...row, dateOfBirth: '1990-01-01' }, 'after').dateOfBirth, '1990-01-01')
  })

  it('needs an email to know whom to mail', () => {
    assert.throws(() => toUserSnapshot({ ...row, email: null }, 'before'), (e: unknown) => e instanceof InvalidInputError && e.field === 'before.email')
  })

  it('never puts an address with control characters in an envelope (dead-lettered instead)', () => {
    for (const email of ['a@x.test\r\nBcc: eve@evil.test', 'a\u0000@x.test', 'a@x.test\u0085']) {
      assert.throws(() => toUserSnapshot({ ...row, email }, 'after'), (e: unknown) => e instanceof InvalidInputError && e.field === 'after.email', JSON.stringify(email))
    }
  })
})

describe('toUserChange', () => {
  const event = (op: ChangeEvent['op'], before: unknown, after: unknown) => ({ op, before, after, source, ts_ms: 1 }) as ChangeEvent

  it('maps each operation', () => {
    assert.equal(toUserChange(event('c', null, row)).kind, 'created')
    assert.equal(toUserChange(event('u', row, { ...row, fullName: 'B' })).kind, 'updated')
    assert.equal(toUserChange(event('d', row, null)).kind, 'deleted')
    assert.deepEqual(toUserChange(event('r', null, row)), { kind: 'ignored', reason: 'snapshot' })
    assert.deepEqual(toUserChange(event('t', null, null)), { kind: 'ignored', reason: 'truncate' })
  })

  it('rejects an update without its before image', () => {
    assert.throws(() => toUserChange(event('u', null, row)), (e: unknown) => e instanceof InvalidInputError && e.field === 'before')
  })
})

describe('the connector\'s actual output', () => {
  // An update as mysql-debezium-cdc-source-user wrote it (schemas off, binary.handling.mode=hex).
  const real = '{"before":{"id":"e576a58238ea41c6a0c510913694bab2","username":"carol","email":"carol@example.com","fullName":"Carol C","dateOfBirth":5843,"address":"3 Elm St","createdAt":1795291925296000,"lastUpdated":1795291925296000,"status":"Unconfirmed"},"after":{"id":"e576a58238ea41c6a0c510913694bab2","username":"carol","email":"carol@example.com","fullName":"Carol D","dateOfBirth":5843,"address":"4 Oak St","createdAt":1795291925296000,"lastUpdated":1795291925566000,"status":"Unconfirmed"},"source":{"version":"3.5.0.Final","connector":"mariadb","name":"cdc.table","ts_ms":1795291925000,"snapshot":"false","db":"userdata","sequence":null,"ts_us":1795291925000000,"ts_ns":1795291925000000000,"table":"users","server_id":1,"gtid":"0-1-51","file":"binlog.000004","pos":7934,"row":0,"thread":null,"query":null},"transaction":null,"op":"u","ts_ms":1795291925622,"ts_us":1795291925622978,"ts_ns":1795291925622978000}'

  it('decodes, maps and names it', () => {
    const decoded = decodeChangeEvent(real)
    assert.equal(decoded.kind, 'change')
    if (decoded.kind !== 'change') return
    const change = toUserChange(decoded.event)
    assert.equal(change.kind, 'updated')
    if (change.kind !== 'updated') return
    assert.equal(change.after.id, 'e576a582-38ea-41c6-a0c5-10913694bab2')
    assert.equal(change.after.dateOfBirth, '1985-12-31')
    assert.equal(change.after.lastUpdated, '2026-11-21T20:12:05.566Z')
    assert.equal(changeEventId(decoded.event, { topic: 'cdc.table.userdata.users', partition: 0, offset: 1n }), 'binlog:binlog.000004:7934:0')
  })
})
