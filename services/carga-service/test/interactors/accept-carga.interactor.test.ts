import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RecordingPublisher } from '@ripple/testing/fakes'
import type { CargaEvent } from '../../src/entities/carga.entity.ts'
import { makeAcceptCarga } from '../../src/interactors/accept-carga.interactor.ts'
import { makeApplyCarga } from '../../src/interactors/apply-carga.interactor.ts'
import { createPendingCargas } from '../../src/interactors/pending-cargas.rules.ts'
import { InMemoryCargaStore } from '../fakes/in-memory.ports.ts'

const NOW = new Date('2026-01-02T03:04:05.678Z')

function setup () {
  const publisher = new RecordingPublisher<CargaEvent>()
  const store = new InMemoryCargaStore()
  const pending = createPendingCargas()
  const acceptCarga = makeAcceptCarga({ publisher, store, pending, now: () => NOW })
  const applyCarga = makeApplyCarga({ store, pending })
  // What the consumer does with the n-th published record (partition 0, offset n).
  const consume = async (n: number) => { await applyCarga({ ...publisher.published[n]!, partition: 0, offset: BigInt(n) }) }
  return { publisher, store, pending, acceptCarga, consume }
}

describe('accept-carga', () => {
  it('publishes a new load with its request id and acceptance time, and answers accepted', async () => {
    const { publisher, acceptCarga } = setup()
    const result = await acceptCarga({ id: '1237', valor: 'Teste de integração', requestId: 'req-1' })
    const event = { id: '1237', valor: 'Teste de integração', requestId: 'req-1', acceptedAt: NOW.toISOString() }
    assert.deepEqual(result, { ok: true, value: { kind: 'accepted', carga: event } })
    assert.deepEqual(publisher.published, [event])
  })

  it('publishes nothing for a retried request while its load is still pending, nor once Cassandra holds it', async () => {
    const { publisher, store, pending, acceptCarga, consume } = setup()
    await acceptCarga({ id: 'a', valor: 'v', requestId: 'first' })
    const whilePending = await acceptCarga({ id: 'a', valor: 'v', requestId: 'retry-1' })
    assert.equal(whilePending.ok && whilePending.value.kind, 'unchanged')
    assert.equal(whilePending.ok && whilePending.value.carga.requestId, 'first')
    await consume(0)
    assert.equal(pending.size, 0)
    assert.equal(store.rows.get('a')?.valor, 'v')
    const afterApplied = await acceptCarga({ id: 'a', valor: 'v', requestId: 'retry-2' })
    assert.equal(afterApplied.ok && afterApplied.value.kind, 'unchanged')
    assert.deepEqual(afterApplied.ok && afterApplied.value.carga, { ...publisher.published[0], partition: 0, offset: 0n })
    assert.equal(publisher.published.length, 1)
  })

  it('publishes another value of the same id as an update, and the same value again after it changed', async () => {
    const { publisher, acceptCarga, consume } = setup()
    await acceptCarga({ id: 'a', valor: 'one', requestId: 'r1' })
    await consume(0)
    await acceptCarga({ id: 'a', valor: 'two', requestId: 'r2' })
    await acceptCarga({ id: 'a', valor: 'one', requestId: 'r3' })
    assert.deepEqual(publisher.published.map(e => e.valor), ['one', 'two', 'one'])
  })

  it('publishes once when the same request arrives many times at once', async () => {
    const { publisher, acceptCarga } = setup()
    const results = await Promise.all(Array.from({ length: 5 }, (_, i) => acceptCarga({ id: 'a', valor: 'v', requestId: `r${i}` })))
    assert.deepEqual(results.map(r => r.ok && r.value.kind), ['accepted', 'unchanged', 'unchanged', 'unchanged', 'unchanged'])
    assert.equal(publisher.published.length, 1)
  })

  it('publishes nothing and answers Cassandra unavailable when the current value cannot be read', async () => {
    const { publisher, store, acceptCarga } = setup()
    store.failWith = new Error('NoHostAvailableError')
    const result = await acceptCarga({ id: 'a', valor: 'v', requestId: 'r' })
    assert.equal(!result.ok && result.error.code, 'CASSANDRA_UNAVAILABLE')
    assert.equal(publisher.published.length, 0)
  })

  it('answers Kafka unavailable when the record is not acknowledged, and a retry then publishes it', async () => {
    const { publisher, pending, acceptCarga } = setup()
    publisher.failWith = new Error('broker down')
    const failed = await acceptCarga({ id: 'a', valor: 'v', requestId: 'r1' })
    assert.equal(!failed.ok && failed.error.code, 'KAFKA_UNAVAILABLE')
    assert.equal(pending.size, 0)
    publisher.failWith = undefined
    const retried = await acceptCarga({ id: 'a', valor: 'v', requestId: 'r2' })
    assert.equal(retried.ok && retried.value.kind, 'accepted')
    assert.deepEqual(publisher.published.map(e => e.requestId), ['r2'])
  })

  it('keeps the earlier pending load when an update is not acknowledged', async () => {
    const { publisher, pending, acceptCarga } = setup()
    await acceptCarga({ id: 'a', valor: 'one', requestId: 'r1' })
    publisher.failWith = new Error('broker down')
    await acceptCarga({ id: 'a', valor: 'two', requestId: 'r2' })
    assert.equal(pending.get('a')?.valor, 'one')
  })
})
