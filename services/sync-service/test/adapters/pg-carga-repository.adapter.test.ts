// The upsert's version rule against the real PostgreSQL, in a scratch database.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { scratchPostgresDatabase, stack } from '@ripple/testing'
import pg from 'pg'
import { createPgCargaRepository } from '../../src/adapters/pg-carga-repository.adapter.ts'
import { migrate } from '../../src/adapters/pg.schema.ts'
import type { CargaVersion } from '../../src/entities/carga.entity.ts'
import { CargaRefusedError } from '../../src/entities/carga.errors.ts'

const version = (id: string, valor: string, offset: number, partition = 0): CargaVersion => ({
  id, valor, requestId: undefined, updatedAt: new Date(Date.UTC(2026, 2, 1, 10, 0, 0, offset % 1000)), position: { partition, offset: BigInt(offset) }
})

describe('PostgreSQL tabela', () => {
  let database: Awaited<ReturnType<typeof scratchPostgresDatabase>>
  let pool: pg.Pool
  const row = async (id: string) => (await pool.query<{ valor: string, source_offset: string, updated_at: Date }>('SELECT valor, source_offset, updated_at FROM tabela WHERE id = $1', [id])).rows[0]

  before(async () => {
    database = await scratchPostgresDatabase('test_sync_')
    pool = new pg.Pool({ ...stack.postgres, database: database.name, max: 8 })
    await migrate(pool, 'carga_tabela')
    await migrate(pool, 'carga_tabela')
  })
  after(async () => {
    await pool.end()
    await database.drop()
  })

  it('makes the table and a publication holding it alone, at every start without error', async () => {
    const { rows } = await pool.query<{ tablename: string }>("SELECT tablename FROM pg_publication_tables WHERE pubname = 'carga_tabela'")
    assert.deepEqual(rows.map(r => r.tablename), ['tabela'])
  })

  it('an older record or a redelivery never overwrites a newer one', async () => {
    const cargas = createPgCargaRepository(pool)
    assert.equal(await cargas.write(version('v1', 'first', 10)), 'applied')
    assert.equal(await cargas.write(version('v1', 'second', 20)), 'applied')
    assert.equal(await cargas.write(version('v1', 'second', 20)), 'stale', 'the same record again')
    assert.equal(await cargas.write(version('v1', 'older', 15)), 'stale', 'a record older than the row')
    const found = await row('v1')
    assert.deepEqual([found?.valor, found?.source_offset, found?.updated_at.toISOString()], ['second', '20', version('v1', '', 20).updatedAt.toISOString()])
  })

  it('keeps unicode and the largest valor intact', async () => {
    const cargas = createPgCargaRepository(pool)
    const valor = 'Teste de integração ✓ 🚀 日本語 ' + 'ç'.repeat(9_970)
    await cargas.write(version('ünï-🚀', valor, 1))
    assert.equal((await row('ünï-🚀'))?.valor, valor)
  })

  it('writes versions handed over together in few statements, each id ending at its newest whatever the order', async () => {
    const cargas = createPgCargaRepository(pool)
    const versions = Array.from({ length: 600 }, (_, n) => version(`batch-${n % 50}`, `v${n}`, 1000 + n))
    // Everything at once, newest first for half the ids: the order of arrival must not matter.
    const shuffled = versions.filter((_, n) => n % 2 === 0).reverse().concat(versions.filter((_, n) => n % 2 === 1))
    const outcomes = await Promise.all(shuffled.map(v => cargas.write(v)))
    assert.ok(outcomes.includes('stale') && outcomes.includes('applied'))
    const { rows } = await pool.query<{ id: string, valor: string }>("SELECT id, valor FROM tabela WHERE id LIKE 'batch-%'")
    assert.equal(rows.length, 50)
    for (const r of rows) assert.equal(r.valor, versions.filter(v => v.id === r.id).at(-1)?.valor, r.id)
  })

  it('two writers of one id at once: the newer wins, whichever commits first', async () => {
    for (let round = 0; round < 20; round++) {
      const id = `race-${round}`
      const [a, b] = [createPgCargaRepository(pool), createPgCargaRepository(pool)]
      await Promise.all(round % 2 === 0 ? [a.write(version(id, 'old', 1)), b.write(version(id, 'new', 2))] : [b.write(version(id, 'new', 2)), a.write(version(id, 'old', 1))])
      assert.equal((await row(id))?.valor, 'new', id)
    }
  })

  it('a version the database refuses fails only its own call, as refused; the others of its batch are written', async () => {
    const cargas = createPgCargaRepository(pool)
    // The decoder refuses NUL; an adapter used without it must still not retry it for ever.
    const settled = await Promise.allSettled([version('ok-1', 'fine', 1), version('bad', 'a\u0000b', 2), version('ok-2', 'fine', 3)].map(v => cargas.write(v)))
    assert.deepEqual(settled.map(s => s.status), ['fulfilled', 'rejected', 'fulfilled'])
    assert.ok((settled[1] as PromiseRejectedResult).reason instanceof CargaRefusedError)
    assert.equal((await row('ok-2'))?.valor, 'fine')
    assert.equal(await row('bad'), undefined)
  })
})
