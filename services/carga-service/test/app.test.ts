// Integration: carga-service in-process against the real Kafka and Cassandra, on a topic and group of its own.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { assertJsonError, callJson, countRecords, deleteTopics, eventually, readTopic, testConfig, unique } from '@ripple/testing'
import { createProducer, kafkaConnection } from '@ripple/kit'
import type { RippleService } from '@ripple/kit'
import { createCargaService } from '../src/app.ts'
import { cargaConfigSchema } from '../src/config.ts'

describe('carga-service (real Kafka and Cassandra)', () => {
  const topic = unique('test.carga.')
  let service: RippleService
  let base: string

  before(async () => {
    service = createCargaService(testConfig(cargaConfigSchema, { TOPIC: topic, GROUP_ID: unique('test-carga-'), KAFKA_COMMIT_INTERVAL_MS: '0' }))
    base = (await service.start()).url
  })
  after(async () => {
    await service.stop()
    await deleteTopics([topic, `${topic}.dlq`])
  })

  const visible = (id: string, valor: string) => eventually(async () => {
    const res = await callJson(`${base}/carga/${encodeURIComponent(id)}`, 'GET')
    if (res.body?.valor !== valor) throw new Error(`${id} shows ${JSON.stringify(res.body)}`)
    return res.body as { id: string, valor: string, partition: number, offset: number, requestId: string }
  })

  it('accepts the seed\'s load with 202, publishes it keyed by id, and GET then shows it from Cassandra, unicode intact', async () => {
    const id = unique('1237-')
    const res = await callJson(`${base}/carga`, 'POST', { id, valor: 'Teste de integração' }, { headers: { 'x-request-id': 'it-carga-1' } })
    assert.equal(res.status, 202, JSON.stringify(res.body))
    assert.equal(res.headers.get('x-request-id'), 'it-carga-1')
    assert.deepEqual({ id: res.body.id, valor: res.body.valor, requestId: res.body.requestId }, { id, valor: 'Teste de integração', requestId: 'it-carga-1' })
    const [record] = await readTopic(topic, records => records.some(r => r.key === id))
    assert.equal(record?.key, id)
    assert.deepEqual(JSON.parse(record?.value ?? ''), { id, valor: 'Teste de integração', requestId: 'it-carga-1', acceptedAt: res.body.acceptedAt })
    const shown = await visible(id, 'Teste de integração')
    assert.deepEqual([shown.partition, shown.offset], [record?.partition, Number(record?.offset)])
  })

  it('takes another value of an id as an update, and a retried request publishes no second record', async () => {
    const id = unique('upd-')
    const before = await countRecords(topic)
    assert.equal((await callJson(`${base}/carga`, 'POST', { id, valor: 'primeiro' })).status, 202)
    // At once: the first is still pending, not yet in Cassandra.
    const retriedPending = await callJson(`${base}/carga`, 'POST', { id, valor: 'primeiro' })
    assert.equal(retriedPending.status, 200, JSON.stringify(retriedPending.body))
    await visible(id, 'primeiro')
    assert.equal((await callJson(`${base}/carga`, 'POST', { id, valor: 'segundo' })).status, 202)
    await visible(id, 'segundo')
    const retriedApplied = await callJson(`${base}/carga`, 'POST', { id, valor: 'segundo' })
    assert.equal(retriedApplied.status, 200)
    assert.equal(retriedApplied.body.valor, 'segundo')
    // Each answer came after Kafka acknowledged its record: whatever was published is counted.
    assert.equal(await countRecords(topic), before + 2)
    const records = await readTopic(topic, all => all.filter(r => r.key === id).length >= 2)
    assert.deepEqual(records.filter(r => r.key === id).map(r => JSON.parse(r.value ?? '').valor), ['primeiro', 'segundo'])
  })

  it('refuses bad input with a 400 naming the field, publishing nothing', async () => {
    const before = await countRecords(topic)
    assertJsonError(await callJson(`${base}/carga`, 'POST', { valor: 'x' }), 400, 'id')
    assertJsonError(await callJson(`${base}/carga`, 'POST', { id: '', valor: 'x' }), 400, 'id')
    assertJsonError(await callJson(`${base}/carga`, 'POST', { id: 'x'.repeat(65), valor: 'x' }), 400, 'id')
    // Not addressable at GET /carga/:id: a URL path reads them as dot segments.
    assertJsonError(await callJson(`${base}/carga`, 'POST', { id: '.', valor: 'x' }), 400, 'id')
    assertJsonError(await callJson(`${base}/carga`, 'POST', { id: '..', valor: 'x' }), 400, 'id')
    assertJsonError(await callJson(`${base}/carga`, 'POST', { id: 'a', valor: 'x'.repeat(10_001) }), 400, 'valor')
    assertJsonError(await callJson(`${base}/carga`, 'POST', { id: 'a', valor: 12 }), 400, 'valor')
    assertJsonError(await callJson(`${base}/carga`, 'POST', { id: 'a', valor: 'x', value: 'y' }), 400, 'value')
    assertJsonError(await callJson(`${base}/carga`, 'POST', undefined, { raw: '{"id":' }), 400, 'body')
    assert.equal(await countRecords(topic), before)
  })

  it('names a request without a usable X-Request-Id by a new UUID, and echoes it', async () => {
    const res = await callJson(`${base}/carga`, 'POST', { id: unique('noreqid-'), valor: 'v' }, { headers: { 'x-request-id': 'spaces are not allowed' } })
    assert.equal(res.status, 202)
    assert.match(res.body.requestId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
    assert.equal(res.headers.get('x-request-id'), res.body.requestId)
  })

  it('answers 404 for an id Cassandra does not hold', async () => {
    assertJsonError(await callJson(`${base}/carga/${unique('absent-')}`, 'GET'), 404, 'id')
  })

  it('parks a malformed record of its topic on the dead-letter topic and goes on', async () => {
    const id = unique('after-bad-')
    const producer = createProducer({ ...kafkaConnection(testConfig(cargaConfigSchema)), clientId: 'it-carga-bad' })
    try {
      await producer.send({ topic, key: 'bad', value: '{"id": 42}' })
    } finally {
      await producer.close()
    }
    const [parked] = await readTopic(`${topic}.dlq`, records => records.length > 0)
    assert.equal(parked?.value, '{"id": 42}')
    assert.equal((await callJson(`${base}/carga`, 'POST', { id, valor: 'ok' })).status, 202)
    await visible(id, 'ok')
  })
})
