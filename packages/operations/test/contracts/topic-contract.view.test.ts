import assert from 'node:assert/strict'
import { test } from 'node:test'
import { conformance, contractView, describeConformance } from '../../src/contracts/topic-contract.view.ts'
import type { ConsumedRecord } from '../../src/kafka/kafka.operations.ts'

const record = (offset: number, value: string | null): ConsumedRecord => ({ partition: 0, offset: String(offset), timestamp: '2026-12-07T00:00:00.000Z', key: 'k', headers: {}, value })

test('a catalogued topic shows its contract: summary, encodings, fields, who produces and which groups read', () => {
  const users = contractView('cdc.table.userdata.users')
  assert.ok(users)
  assert.ok(users.producers.some(p => p.includes('mysql-debezium-cdc-source-user')), users.producers.join(', '))
  assert.ok(users.consumers.some(c => c.startsWith('notification-service ')), users.consumers.join(', '))
  assert.equal(users.deadLetter, 'cdc.table.userdata.users.dlq')
  const carga = contractView('carga_topic')
  assert.ok(carga?.fields.some(f => f.startsWith('id: ')) && carga.fields.some(f => f.startsWith('valor: ')), carga?.fields.join(', '))
  assert.equal(contractView('no-such-topic'), undefined)
})

test('the newest records are checked against the contract: a mismatch names its field and offset, a tombstone is skipped', () => {
  const checked = conformance('carga_topic', [
    record(1, JSON.stringify({ id: 'a', valor: 'x' })),
    record(2, JSON.stringify({ id: '', valor: 'x' })),
    record(3, 'not json {'),
    record(4, null)
  ])
  assert.ok(checked)
  assert.equal(checked.checked, 3)
  assert.deepEqual(checked.mismatches.map(m => [m.offset, m.field]), [['2', 'id'], ['3', '(value)']])
  assert.match(describeConformance(checked), /^2 of the newest 3 records don't match the contract: field `id` \(.+\) at 0:2; field `\(value\)` \(is not JSON\) at 0:3$/)
  assert.equal(describeConformance({ checked: 5, mismatches: [] }), 'all 5 of the newest records checked match the contract')
  assert.equal(conformance('no-such-topic', []), undefined)
})
