// carga-service in the running stack (seed 002): the request id in its log, and no accepted load
// lost or doubled when carga-service is killed or Cassandra is stopped, since carga_topic is the
// one write of a request and Cassandra is written from it.
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { loadStackConfig, servicePort } from '@ripple/stack'
import { callJson, eventually, readTopic, restoreStack, stopComponents, topicEndOffsets, unique } from '@ripple/testing'

after(restoreStack)

const config = loadStackConfig()
const base = `http://${config.host}:${servicePort(config, 'carga-service')}`
const TOPIC = 'carga_topic'

const post = (id: string, valor: string, headers: Record<string, string> = {}) => callJson(`${base}/carga`, 'POST', { id, valor }, { headers })
const shows = (id: string, valor: string) => eventually(async () => {
  const res = await callJson(`${base}/carga/${encodeURIComponent(id)}`, 'GET')
  if (res.status !== 200 || res.body.valor !== valor) throw new Error(`${id}: ${res.status} ${JSON.stringify(res.body)}`)
}, 180_000, 250)
const total = (offsets: bigint[]) => offsets.reduce((sum, o) => sum + o, 0n)

test('the X-Request-Id a client (or the gateway) sends names the accepted write in carga-service\'s log and in its event', async () => {
  const requestId = unique('it-request-')
  const id = unique('reqid-')
  const res = await post(id, 'Teste de integração', { 'x-request-id': requestId })
  assert.equal(res.status, 202, JSON.stringify(res.body))
  assert.equal(res.headers.get('x-request-id'), requestId)
  const line = await eventually(() => {
    const found = readFileSync(join(config.paths.logs, 'carga-service.log'), 'utf8').split('\n').find(l => l.includes(requestId))
    if (!found) throw new Error(`${requestId} not in the log yet`)
    return JSON.parse(found) as { reqId: string, id: string, msg: string }
  })
  assert.deepEqual([line.reqId, line.id, line.msg], [requestId, id, 'carga accepted onto carga_topic'])
  const records = await readTopic(TOPIC, all => all.some(r => r.key === id))
  assert.equal(JSON.parse(records.find(r => r.key === id)?.value ?? '{}').requestId, requestId)
  await shows(id, 'Teste de integração')
})

// A kill with loads still in flight (accepted, not yet in the stores) is carga-three-stores' test;
// this one shows what a kill after the answers leaves: nothing lost, nothing published twice.
test('carga-service SIGKILLed after it answered 30 loads: once back, each id shows its last accepted value, each load is on carga_topic once, a retried request publishes nothing more', async () => {
  const ids = Array.from({ length: 10 }, () => unique('kill-'))
  const from = await topicEndOffsets(TOPIC)
  const last = new Map<string, string>()
  for (let round = 0; round < 3; round++) {
    await Promise.all(ids.map(async id => {
      const valor = `versão ${round} de ${id}`
      const res = await post(id, valor)
      assert.equal(res.status, 202, JSON.stringify(res.body))
      last.set(id, valor)
    }))
  }
  await stopComponents(['carga-service'], { kill: true })
  await restoreStack()
  for (const id of ids) await shows(id, last.get(id)!)
  // A client retrying its last request after the restart publishes nothing more.
  for (const id of ids) assert.equal((await post(id, last.get(id)!)).status, 200)
  const records = await readTopic(TOPIC, all => all.filter(r => ids.includes(r.key ?? '')).length >= 30, 60_000, from)
  assert.equal(records.filter(r => ids.includes(r.key ?? '')).length, 30)
})

test('Cassandra stopped: POST answers 503 naming it and publishes nothing; a load accepted before the stop is shown again once Cassandra is back', async () => {
  const before = unique('outage-before-')
  const during = unique('outage-during-')
  assert.equal((await post(before, 'aceito antes')).status, 202)
  await stopComponents(['cassandra'])
  try {
    const atStop = total(await topicEndOffsets(TOPIC))
    const refused = await eventually(async () => {
      const res = await post(during, 'durante a parada')
      if (res.status !== 503) throw new Error(`answered ${res.status}`)
      return res
    }, 30_000, 250)
    assert.equal(refused.body.error, 'CASSANDRA_UNAVAILABLE')
    assert.equal(refused.headers.get('retry-after'), '1')
    const health = await callJson(`${base}/health`, 'GET')
    assert.equal(health.status, 503)
    assert.match(JSON.stringify(health.body.reasons), /cassandra/)
    assert.equal(total(await topicEndOffsets(TOPIC)), atStop, 'nothing published while Cassandra was away')
  } finally {
    await restoreStack()
  }
  await shows(before, 'aceito antes')
  assert.equal((await callJson(`${base}/carga/${during}`, 'GET')).status, 404)
})
