import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { CargaVersion } from '../../src/entities/carga.entity.ts'
import { makeSyncCarga } from '../../src/interactors/sync-carga.interactor.ts'
import { InMemoryCargaRepository } from '../fakes/in-memory-carga.repository.ts'

const version = (id: string, valor: string, offset: number): CargaVersion => ({
  id, valor, requestId: undefined, updatedAt: new Date('2026-03-01T10:00:00Z'), position: { partition: 0, offset: BigInt(offset) }
})

describe('syncCarga', () => {
  it('writes a new id, then each newer version of it', async () => {
    const cargas = new InMemoryCargaRepository()
    const sync = makeSyncCarga({ cargas })
    assert.equal(await sync(version('a', 'one', 1)), 'applied')
    assert.equal(await sync(version('a', 'two', 5)), 'applied')
    assert.equal(cargas.rows.get('a')?.valor, 'two')
  })

  it('leaves the row alone for a redelivery or an older version: the last write by topic order wins', async () => {
    const cargas = new InMemoryCargaRepository()
    const sync = makeSyncCarga({ cargas })
    await sync(version('a', 'newest', 9))
    assert.equal(await sync(version('a', 'newest', 9)), 'stale')
    assert.equal(await sync(version('a', 'older', 3)), 'stale')
    assert.deepEqual([cargas.rows.get('a')?.valor, cargas.rows.get('a')?.position.offset], ['newest', 9n])
  })

  it('ends with the last version of each id whatever order redeliveries come in', async () => {
    const cargas = new InMemoryCargaRepository()
    const sync = makeSyncCarga({ cargas })
    const versions = Array.from({ length: 60 }, (_, n) => version(`id-${n % 7}`, `v${n}`, n))
    // Once in order, then again shuffled (a crash redelivers, a replay resends).
    for (const v of versions) await sync(v)
    for (const v of [...versions].sort(() => Math.random() - 0.5)) await sync(v)
    for (let i = 0; i < 7; i++) {
      const last = versions.filter(v => v.id === `id-${i}`).at(-1)
      assert.equal(cargas.rows.get(`id-${i}`)?.valor, last?.valor)
    }
  })
})
