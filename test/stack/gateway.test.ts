// The API gateway (HAProxy from gateway/routes.json) in front of the running stack: reads of
// /connectors open, writes only with the operator key, per-client rate limits, body limits,
// request ids, the access log, Prometheus' scrape, and a JSON 503 when a backend is down.
import assert from 'node:assert/strict'
import { randomInt } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { test } from 'node:test'
import { loadStackConfig } from '@ripple/stack'
import { connectFetch } from '@ripple/operations'
import { eventually, restoreStack, stack, stopComponents, unique } from '@ripple/testing'
import { loadRoutes } from '@ripple/stack/components'

const config = loadStackConfig()
const routes = loadRoutes(config)
const operatorKey = config.secrets.generated.OPERATOR_KEY
const logFile = join(config.paths.logs, 'gateway.log')
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, text: string }

/**
 * One request to the gateway. `from` is the client's own address: all of 127.0.0.0/8 is
 * loopback, so a test can be a client no other test shares a rate limit with. A `chunks` body
 * goes without Content-Length, chunked.
 */
function send (method: string, path: string, options: { headers?: Record<string, string>, body?: string, chunks?: string[], from?: string } = {}): Promise<Answer> {
  // Not through URL, which would resolve "%2e%2e" before the gateway sees it.
  const { hostname, port } = new URL(stack.gatewayUrl)
  const headers = { ...options.headers, ...(options.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(options.body)) }) }
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path, method, headers, ...(options.from ? { localAddress: options.from } : {}), timeout: 15_000 }, res => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { text += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 15 s`)))
    req.on('error', reject)
    if (options.chunks) for (const chunk of options.chunks) req.write(chunk)
    req.end(options.body)
  })
}

const jsonOf = <T = Record<string, unknown>>(answer: Answer): T => {
  assert.match(String(answer.headers['content-type']), /^application\/json/, `a JSON answer, got ${answer.status} ${answer.text.slice(0, 200)}`)
  return JSON.parse(answer.text) as T
}

/** The gateway's own refusals: `{error, message}`. */
const assertRefusal = (answer: Answer, status: number, error: string) => {
  assert.equal(answer.status, status, answer.text)
  const body = jsonOf<{ error: string, message: string }>(answer)
  assert.equal(body.error, error)
  assert.ok(body.message.length > 0)
}

const randomClient = () => `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`

const route = (name: string) => {
  const found = routes.routes.find(r => r.name === name)
  assert.ok(found, `gateway/routes.json has a route ${name}`)
  return found
}

test('GET /connectors through the gateway lists the connectors Kafka Connect runs', async () => {
  const direct = await (await connectFetch(stack.connect, '/connectors')).json() as string[]
  assert.ok(direct.length > 0, 'up applied connectors/*.json')
  const answer = await send('GET', '/connectors')
  assert.equal(answer.status, 200)
  assert.deepEqual(new Set(jsonOf<string[]>(answer)), new Set(direct))
})

test('GET /connectors/{name} and /connectors/{name}/status reach Kafka Connect', async () => {
  const [name] = await (await connectFetch(stack.connect, '/connectors')).json() as string[]
  assert.ok(name)
  const status = await send('GET', `/connectors/${name}/status`)
  assert.equal(status.status, 200)
  const body = jsonOf<{ name: string, connector: { state: string } }>(status)
  assert.equal(body.name, name)
  assert.match(body.connector.state, /^(RUNNING|PAUSED|STOPPED|FAILED|UNASSIGNED|RESTARTING)$/)
  const info = await send('GET', `/connectors/${name}`)
  assert.equal(info.status, 200)
  assert.equal(jsonOf<{ name: string }>(info).name, name)
})

test('anything not in the routes file is 404 JSON, also a routed path with another method or a dot segment', async () => {
  assertRefusal(await send('GET', '/connectors/x/config'), 404, 'not_found')
  assertRefusal(await send('GET', '/connector-plugins'), 404, 'not_found')
  assertRefusal(await send('PATCH', '/carga'), 404, 'not_found')
  assertRefusal(await send('GET', '/'), 404, 'not_found')
  assertRefusal(await send('GET', '/connectors/%2e%2e'), 400, 'bad_request')
})

test('writes to /connectors need the operator key: 403 without it or with a wrong one, Kafka Connect answers with it', async () => {
  const name = unique('gateway-test-')
  const body = JSON.stringify({ name, config: {} })
  const headers = { 'content-type': 'application/json' }
  assertRefusal(await send('POST', '/connectors', { headers, body }), 403, 'forbidden')
  assertRefusal(await send('POST', '/connectors', { headers: { ...headers, 'x-operator-key': `${operatorKey}x` }, body }), 403, 'forbidden')
  assertRefusal(await send('DELETE', '/connectors/postgres-connector'), 403, 'forbidden')

  // With the key the request reaches Connect, which refuses a connector without a class in its own words.
  const created = await send('POST', '/connectors', { headers: { ...headers, 'x-operator-key': operatorKey }, body })
  assert.equal(created.status, 400, created.text)
  const refusal = jsonOf<{ error_code: number, message: string }>(created)
  assert.equal(refusal.error_code, 400)
  assert.match(refusal.message, /connector type|connector\.class/i)
  const deleted = await send('DELETE', `/connectors/${name}`, { headers: { 'x-operator-key': operatorKey } })
  assert.equal(deleted.status, 404, deleted.text)
  assert.equal(jsonOf<{ error_code: number }>(deleted).error_code, 404)
  assert.equal((await connectFetch(stack.connect, `/connectors/${name}`)).status, 404, 'nothing was created')

  const log = readFileSync(logFile, 'utf8')
  assert.ok(log.includes('"route":"connectors-write"'), 'the writes are in the access log')
  assert.ok(!log.includes(operatorKey), 'the operator key is never logged')
})

test('beyond a route\'s limit a client gets 429 with Retry-After, while another client is not limited', async () => {
  const { rateLimit } = route('connectors-write')
  const client = randomClient()
  // Refused attempts count: guessing the operator key is as slow as the limit.
  for (let n = 1; n <= rateLimit.requests; n++) {
    assertRefusal(await send('POST', '/connectors', { from: client, headers: { 'x-operator-key': 'guess' } }), 403, 'forbidden')
  }
  const limited = await send('POST', '/connectors', { from: client, headers: { 'x-operator-key': 'guess' } })
  assertRefusal(limited, 429, 'too_many_requests')
  assert.equal(limited.headers['retry-after'], String(rateLimit.perSeconds))
  assert.match(String(limited.headers['x-request-id']), UUID)
  assertRefusal(await send('POST', '/connectors', { from: randomClient(), headers: { 'x-operator-key': 'guess' } }), 403, 'forbidden')
})

test('a body larger than the route allows is 413, with or without Content-Length', async () => {
  const { maxBodyBytes } = route('carga-write')
  const headers = { 'content-type': 'application/json' }
  const oversized = JSON.stringify({ id: unique('big-'), valor: 'x'.repeat(maxBodyBytes) })
  assertRefusal(await send('POST', '/carga', { headers, body: oversized }), 413, 'payload_too_large')
  const half = Math.ceil(oversized.length / 2)
  assertRefusal(await send('POST', '/carga', { headers, chunks: [oversized.slice(0, half), oversized.slice(half)] }), 413, 'payload_too_large')
  assertRefusal(await send('GET', '/connectors', { headers, body: '{}' }), 413, 'payload_too_large')
})

test('X-Request-Id: generated (a UUID) when absent, kept when given, replaced when unfit for a log line; it is in the access log', async () => {
  const generated = await send('GET', '/connectors')
  assert.match(String(generated.headers['x-request-id']), UUID)
  const given = unique('req-')
  const echoed = await send('GET', '/connectors', { headers: { 'x-request-id': given } })
  assert.equal(echoed.headers['x-request-id'], given)
  const forged = await send('GET', '/connectors', { headers: { 'x-request-id': 'a" "status":200' } })
  assert.match(String(forged.headers['x-request-id']), UUID)
  // Also on the gateway's own answers.
  assert.equal((await send('GET', '/nothing-here', { headers: { 'x-request-id': given } })).headers['x-request-id'], given)

  const lines = await eventually(() => {
    const found = readFileSync(logFile, 'utf8').split('\n').filter(l => l.includes(`"request_id":"${given}"`))
    if (found.length < 2) throw new Error(`${found.length} access log lines with ${given}`)
    return found.map(l => JSON.parse(l) as { method: string, path: string, status: number, duration_ms: number, time: string })
  }, 10_000)
  const [first, second] = lines
  assert.deepEqual([first?.method, first?.path, first?.status], ['GET', '/connectors', 200])
  assert.deepEqual([second?.method, second?.path, second?.status], ['GET', '/nothing-here', 404])
  assert.ok(Number.isInteger(first?.duration_ms))
  assert.ok(!Number.isNaN(Date.parse(first?.time ?? '')))
})

test('Prometheus scrapes the gateway\'s exporter (job "gateway", up) and sees its requests', async () => {
  await send('GET', '/connectors')
  const metrics = await (await fetch(`http://${config.host}:${config.ports.gatewayMetrics}/metrics`)).text()
  assert.match(metrics, /^haproxy_frontend_http_requests_total\{proxy="gateway"\} [1-9]/m)
  await eventually(async () => {
    const res = await fetch(`${stack.prometheusUrl}/api/v1/query?query=${encodeURIComponent('up{job="gateway"}')}`)
    const body = await res.json() as { data: { result: { metric: { instance: string }, value: [number, string] }[] } }
    const sample = body.data.result[0]
    if (sample?.value[1] !== '1') throw new Error(`up{job="gateway"} is ${JSON.stringify(body.data.result)}`)
    assert.equal(sample.metric.instance, `${config.host}:${config.ports.gatewayMetrics}`)
  }, 30_000)
})

test('the generated haproxy.cfg is readable by its owner only and holds no operator key', () => {
  const file = join(config.paths.conf, 'haproxy.cfg')
  assert.equal(statSync(file).mode & 0o777, 0o600)
  const text = readFileSync(file, 'utf8')
  assert.ok(!text.includes(operatorKey))
  assert.match(text, /^frontend gateway$/m)
})

test('POST /carga reaches carga-service; with carga-service stopped the gateway answers 503 JSON at once', async t => {
  const registered = config.services.some(s => s.name === 'carga-service')
  const body = JSON.stringify({ id: unique('gw-'), valor: 'Teste de integração' })
  const headers = { 'content-type': 'application/json' }
  if (registered) {
    const requestId = unique('gw-carga-')
    const accepted = await send('POST', '/carga', { headers: { ...headers, 'x-request-id': requestId }, body })
    assert.ok(accepted.status >= 200 && accepted.status < 300, `carga-service accepted: ${accepted.status} ${accepted.text}`)
    assert.equal(accepted.headers['x-request-id'], requestId)
    // The gateway passed the id on: carga-service logged the write under it.
    await eventually(() => assert.ok(readFileSync(join(config.paths.logs, 'carga-service.log'), 'utf8').includes(requestId), `${requestId} in carga-service's log`), 10_000)
    t.after(async () => {
      await restoreStack()
      // The gateway's check sees carga-service back within seconds; the next test file may need it at once.
      await eventually(async () => {
        const answer = await send('GET', `/carga/${unique('gw-')}`)
        if (answer.status === 503) throw new Error('the gateway still has carga-service down')
      }, 30_000)
    })
    await stopComponents(['carga-service'])
  }
  assertRefusal(await send('POST', '/carga', { headers, body }), 503, 'service_unavailable')
})
