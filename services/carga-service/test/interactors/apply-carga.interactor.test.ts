import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { CargaEvent, StoredCarga } from '../../src/entities/carga.entity.ts'
import { makeApplyCarga } from '../../src/interactors/apply-carga.interactor.ts'
import { createPendingCargas } from '../../src/interactors/pending-cargas.rules.ts'
import { InMemoryCargaStore } from '../fakes/in-memory.ports.ts'

const event = (valor: string, requestId: string): CargaEvent => ({ id: 'a', valor, requestId, acceptedAt: '2026-01-02T03:04:05.678Z' })
const record = (valor: string, offset: bigint): StoredCarga => ({ ...event(valor, `r${offset}`), partition: 1, offset })

describe('apply-carga', () => {
  it('keeps the last record by topic order, whatever order the writes arrive in', async () => {
    const store = new InMemoryCargaStore()
    const applyCarga = makeApplyCarga({ store, pending: createPendingCargas() })
    await applyCarga(record('new', 7n))
    await applyCarga(record('old', 3n))
    assert.equal(store.rows.get('a')?.valor, 'new')
  })

  it('forgets the pending load it wrote, but not a newer one accepted meanwhile', async () => {
    const store = new InMemoryCargaStore()
    const pending = createPendingCargas()
    const applyCarga = makeApplyCarga({ store, pending })
    pending.set(event('one', 'r0'))
    await applyCarga(record('one', 0n))
    assert.equal(pending.size, 0)
    pending.set(event('two', 'r1'))
    await applyCarga(record('one', 0n))
    assert.equal(pending.get('a')?.valor, 'two')
  })

  it('throws while Cassandra is away, so the consumer retries the record instead of committing it', async () => {
    const store = new InMemoryCargaStore()
    store.failWith = new Error('NoHostAvailableError')
    const applyCarga = makeApplyCarga({ store, pending: createPendingCargas() })
    await assert.rejects(applyCarga(record('v', 0n)), /NoHostAvailable/)
  })
})
