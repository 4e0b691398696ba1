import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidInputError } from '@ripple/kit'
import type { ConsumedMessage } from '@ripple/kit'
import { decodeCargaRecord } from '../../src/transport/carga-record.decoder.ts'

const ACCEPTED = '2026-03-01T10:00:00.123Z'
const record = (value: unknown, key: string | null = 'abc', overrides: Partial<ConsumedMessage> = {}): ConsumedMessage => ({
  topic: 'carga_topic', partition: 2, offset: 41n, timestamp: 1_772_359_200_000n, headers: new Map(),
  key: key === null ? null : Buffer.from(key),
  value: value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  ...overrides
})

function assertInvalid (message: ConsumedMessage, field: string) {
  assert.throws(() => decodeCargaRecord(message), (e: unknown) => e instanceof InvalidInputError && e.field === field, field)
}

describe('carga_topic record decoder', () => {
  it('reads id, valor and request id, the acceptance time as updatedAt, the position as the version', () => {
    assert.deepEqual(decodeCargaRecord(record({ id: 'abc', valor: 'Teste de integração 🚀', requestId: 'req-1', acceptedAt: ACCEPTED })), {
      id: 'abc', valor: 'Teste de integração 🚀', requestId: 'req-1', updatedAt: new Date(ACCEPTED), position: { partition: 2, offset: 41n }
    })
  })

  it('takes the record\'s timestamp when it carries no acceptedAt, and an offset in acceptedAt', () => {
    const bare = decodeCargaRecord(record({ id: 'abc', valor: '' }))
    assert.deepEqual([bare.updatedAt.toISOString(), bare.requestId, bare.valor], ['2026-03-01T10:00:00.000Z', undefined, ''])
    assert.equal(decodeCargaRecord(record({ id: 'abc', valor: 'v', acceptedAt: '2026-03-01T07:00:00.123-03:00' })).updatedAt.toISOString(), ACCEPTED)
  })

  it('accepts the limits: an id of 64 characters, a valor of 10,000', () => {
    const id = 'i'.repeat(64)
    assert.equal(decodeCargaRecord(record({ id, valor: 'v'.repeat(10_000) }, id)).valor.length, 10_000)
  })

  it('refuses what can never be written, naming the field', () => {
    assertInvalid(record(null), 'value')
    assertInvalid(record('{"id": "abc",'), 'value')
    assertInvalid(record('"abc"'), 'value')
    assertInvalid(record({ valor: 'v' }), 'value.id')
    assertInvalid(record({ id: 'abc' }), 'value.valor')
    assertInvalid(record({ id: '', valor: 'v' }, ''), 'value.id')
    assertInvalid(record({ id: 'i'.repeat(65), valor: 'v' }, 'i'.repeat(65)), 'value.id')
    assertInvalid(record({ id: 'abc', valor: 'v'.repeat(10_001) }), 'value.valor')
    assertInvalid(record({ id: 'abc', valor: 7 }), 'value.valor')
    assertInvalid(record({ id: 'abc', valor: 'a\u0000b' }), 'value.valor')
    assertInvalid(record({ id: 'abc', valor: 'v', acceptedAt: 'yesterday' }), 'value.acceptedAt')
    assertInvalid(record({ id: 'abc', valor: 'v', requestId: 'r'.repeat(257) }), 'value.requestId')
  })

  it('refuses a record whose key is not its id: its partition does not order that id\'s writes', () => {
    assertInvalid(record({ id: 'abc', valor: 'v' }, 'xyz'), 'key')
    assertInvalid(record({ id: 'abc', valor: 'v' }, null), 'key')
  })
})
