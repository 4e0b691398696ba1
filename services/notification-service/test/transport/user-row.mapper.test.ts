import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { changeEventId, decodeChangeEvent, InvalidInputError } from '@ripple/kit'
import type { ChangeEvent } from '@ripple/kit'
import { toUserChange, toUserSnapshot, uuidFrom } from '../../src/transport/user-row.mapper.ts'

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

describe('toUserSnapshot', () => {
  it('turns epoch days, millis and micros into readable dates without a schema', () => {
    const snapshot = toUserSnapshot({ ...row, createdAt: 1_718_000_000_000, lastUpdated: 1_718_000_000_000_000 }, 'after')
    assert.equal(snapshot.dateOfBirth, '1990-01-01')
    assert.equal(snapshot.createdAt, '2024-06-10T06:13:20.000Z')
    assert.equal(snapshot.lastUpdated, '2024-06-10T06:13:20.000Z')
    assert.equal(snapshot.id, '0f3c1d2e-4b5a-6978-8796-a5b4c3d2e1f0')
    assert.equal(snapshot.address, null)
  })

  it('follows the logical type when the schema is there', () => {
    const snapshot = toUserSnapshot({ ...row, lastUpdated: 1_718_000_000_000 }, 'after', {
      dateOfBirth: { type: 'int32', name: 'io.debezium.time.Date' },
      lastUpdated: { type: 'int64', name: 'io.debezium.time.Timestamp' }
    })
    assert.equal(snapshot.dateOfBirth, '1990-01-01')
    assert.equal(snapshot.lastUpdated, '2024-06-10T06:13:20.000Z')
  })

  it('keeps dates that already are text', () => {
    assert.equal(toUserSnapshot({ ...row, dateOfBirth: '1990-01-01' }, 'after').dateOfBirth, '1990-01-01')
  })

  it('needs an email to know whom to mail', () => {
    assert.throws(() => toUserSnapshot({ ...row, email: null }, 'before'), (e: unknown) => e instanceof InvalidInputError && e.field === 'before.email')
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
