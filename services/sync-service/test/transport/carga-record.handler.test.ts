import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { canRetry, createLogger, processWithRetry } from '@ripple/kit'
import type { ConsumedMessage, DeadLetterPublisher } from '@ripple/kit'
import type { CargaVersion, SyncOutcome } from '../../src/entities/carga.entity.ts'
import { CargaRefusedError } from '../../src/entities/carga.errors.ts'
import { makeSyncCarga } from '../../src/interactors/sync-carga.interactor.ts'
import { createCargaRecordHandler } from '../../src/transport/carga-record.handler.ts'
import { InMemoryCargaRepository } from '../fakes/in-memory-carga.repository.ts'

const logger = createLogger('sync-service-test', 'silent')
const message = (value: string, offset: bigint, key = 'k1'): ConsumedMessage => ({
  topic: 'carga_topic', partition: 1, offset, timestamp: 0n, key: Buffer.from(key), value: Buffer.from(value), headers: new Map()
})

/** The kit's processing of one record (retries, dead letters) around the handler, with a DLQ that records. */
function harness (cargas: InMemoryCargaRepository) {
  const parked: { offset: bigint, error: unknown }[] = []
  const synced: [string, SyncOutcome][] = []
  const dlq: DeadLetterPublisher = { publish: async (m, error) => { parked.push({ offset: m.offset, error }) } }
  const handler = createCargaRecordHandler({ syncCarga: makeSyncCarga({ cargas }), logger, metrics: { synced: (v: CargaVersion, o) => synced.push([v.id, o]) } })
  const run = (m: ConsumedMessage) => processWithRetry(m, handler, { retry: { minTimeout: 1, maxTimeout: 5, factor: 1 }, dlq, logger })
  return { run, parked, synced }
}

describe('carga record handler (with the kit\'s retry and dead letters)', () => {
  it('waits out a database outage, retrying the record until it is written; nothing is dead-lettered', async () => {
    const cargas = new InMemoryCargaRepository()
    cargas.failNext = 5
    const { run, parked, synced } = harness(cargas)
    const result = await run(message(JSON.stringify({ id: 'k1', valor: 'after the outage' }), 3n))
    assert.deepEqual(result, { outcome: 'processed', attempts: 6 })
    assert.deepEqual(parked, [])
    assert.deepEqual(synced, [['k1', 'applied']])
    assert.equal(cargas.rows.get('k1')?.valor, 'after the outage')
  })

  it('dead-letters a malformed record at once with the reason, and the next record goes on', async () => {
    const cargas = new InMemoryCargaRepository()
    const { run, parked } = harness(cargas)
    assert.equal((await run(message('{"id": "k1", "valor"', 4n))).outcome, 'dead-lettered')
    assert.equal((await run(message(JSON.stringify({ id: 'k1', valor: 'next' }), 5n))).outcome, 'processed')
    assert.equal(parked.length, 1)
    assert.equal(parked[0]?.offset, 4n)
    assert.match(String((parked[0]?.error as Error).message), /not JSON/)
    assert.equal(cargas.rows.get('k1')?.valor, 'next')
    assert.equal(cargas.writes, 1, 'the malformed one never reached the database')
  })

  it('a version the database refuses as data is not retried; an unclassified database error is', () => {
    assert.equal(canRetry(new CargaRefusedError('k1', 'invalid byte sequence')), false)
    assert.equal(canRetry(Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' })), true)
  })
})
