// The schemas against records as the stack writes them: a schema that refuses a real record would
// make its consumers dead-letter it.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidInputError } from '@ripple/kit'
import { decodeCargaRecord, encodeValue, receiverTopic, userChangeSchema, usersTopic } from '../src/index.ts'

// A Debezium 3 update event of userdata.users as connectors/mysql-debezium-cdc-source-user.json writes it.
const userUpdate = {
  before: { id: '0f8fad5bd9cb469fa16570867728950e', username: 'ana', email: 'ana@example.org', fullName: null, dateOfBirth: 7000, address: null, createdAt: 1733580000000000, lastUpdated: 1733580000000000, status: 'Unconfirmed', passwordChangedAt: null },
  after: { id: '0f8fad5bd9cb469fa16570867728950e', username: 'ana', email: 'ana@example.net', fullName: 'Ana', dateOfBirth: 7000, address: null, createdAt: 1733580000000000, lastUpdated: 1733580001000000, status: 'Confirmed', passwordChangedAt: null },
  source: { version: '3.5.0.Final', connector: 'mariadb', name: 'cdc.table', ts_ms: 1733580001000, snapshot: 'false', db: 'userdata', table: 'users', server_id: 1, gtid: null, file: 'mariadb-bin.000003', pos: 1234, row: 0, thread: 7, query: null },
  transaction: null,
  op: 'u',
  ts_ms: 1733580001100
}

describe('record contracts', () => {
  it('takes a users change event as the connector writes it, a column added later too', () => {
    assert.equal(userChangeSchema.safeParse(userUpdate).success, true)
    assert.equal(userChangeSchema.safeParse({ ...userUpdate, after: { ...userUpdate.after, nickname: 'an' } }).success, true)
    assert.equal(usersTopic.key.schema.safeParse({ id: userUpdate.after.id }).success, true)
  })

  it('refuses a users change event that carries the password', () => {
    const leaked = { ...userUpdate, after: { ...userUpdate.after, password: 'scrypt$…' } }
    assert.equal(userChangeSchema.safeParse(leaked).success, false)
  })

  it('decodes carga_topic one way: a key that is not the id is refused, naming the key', () => {
    const value = Buffer.from(JSON.stringify({ id: 'a1', valor: 'x' }))
    assert.deepEqual(decodeCargaRecord({ key: Buffer.from('a1'), value }), { id: 'a1', valor: 'x' })
    assert.throws(() => decodeCargaRecord({ key: Buffer.from('b2'), value }), (e: unknown) => e instanceof InvalidInputError && e.field === 'key')
    assert.throws(() => decodeCargaRecord({ key: null, value }), (e: unknown) => e instanceof InvalidInputError && e.field === 'key')
    assert.throws(() => decodeCargaRecord({ key: Buffer.from('a1'), value: Buffer.from('{"id":"a1"}') }), (e: unknown) => e instanceof InvalidInputError && e.field === 'value.valor')
  })

  it('refuses to encode a value its consumers would refuse', () => {
    const job = { id: '0f8fad5b-d9cb-469f-a165-70867728950e', create_date: '2024-01-27T12:34:50.594423357Z', sleep: 10, data: 'ab' }
    assert.equal(encodeValue(receiverTopic, job), JSON.stringify(job))
    assert.throws(() => encodeValue(receiverTopic, { ...job, sleep: -1 }), /receiver-topic.*sleep/)
  })
})
