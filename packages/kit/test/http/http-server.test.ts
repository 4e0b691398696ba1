// Unit: the kit's HTTP server answers requests Node's parser refuses with its JSON error, and a HEAD without a body.
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { after, before, describe, it } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { createHttpServer } from '../../src/http/http-server.ts'
import { createLogger } from '../../src/logging/logger.ts'
import { createMetrics } from '../../src/metrics/metrics.ts'

/** Writes raw bytes on a connection of its own and answers everything the server wrote until it closed. */
function raw (port: number, bytes: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', c => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
    socket.end(bytes)
  })
}

const split = (answer: string) => {
  const at = answer.indexOf('\r\n\r\n')
  const head = answer.slice(0, at)
  return { statusLine: head.split('\r\n')[0], head: head.toLowerCase(), body: answer.slice(at + 4) }
}

describe('createHttpServer: requests Node\'s HTTP parser refuses', () => {
  let app: FastifyInstance
  let port: number

  before(async () => {
    app = createHttpServer({ logger: createLogger('http-test', 'silent'), metrics: createMetrics('http-test') })
    app.get('/thing', async () => ({ ok: true }))
    port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port)
  })
  after(() => app.close())

  it('answers a byte a URL may not hold with a 400 and the kit\'s JSON error', async () => {
    const answer = split(await raw(port, Buffer.from('GET /thing\x7f\xff HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1')))
    assert.equal(answer.statusLine, 'HTTP/1.1 400 Bad Request')
    assert.match(answer.head, /content-type: application\/json/)
    const body = JSON.parse(answer.body)
    assert.equal(body.error, 'BAD_REQUEST')
    assert.equal(typeof body.message, 'string')
  })

  it('answers headers over 16 KiB with a 431 and the kit\'s JSON error', async () => {
    const answer = split(await raw(port, `GET /thing HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`))
    assert.equal(answer.statusLine, 'HTTP/1.1 431 Request Header Fields Too Large')
    assert.equal(JSON.parse(answer.body).error, 'HEADERS_TOO_LARGE')
  })

  // Fastify's default handler wrote the JSON body after a HEAD too: a client (node:http, curl)
  // then read it as the start of a next answer and failed with "Parse Error: Expected HTTP/".
  it('answers a refused HEAD without a body', async () => {
    for (const request of [
      Buffer.from('HEAD /thing\xff HTTP/1.1\r\nHost: x\r\n\r\n', 'latin1'),
      `HEAD /thing HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`
    ]) {
      const answer = split(await raw(port, request))
      assert.match(answer.statusLine ?? '', /^HTTP\/1\.1 4\d\d /)
      assert.equal(answer.body, '', 'no body after the head of a HEAD answer')
    }
  })

  it('still answers a well-formed HEAD and GET', async () => {
    assert.match(split(await raw(port, 'HEAD /thing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).statusLine ?? '', /^HTTP\/1\.1 200/)
    assert.deepEqual(JSON.parse(split(await raw(port, 'GET /thing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).body), { ok: true })
  })
})

describe('createHttpServer: JSON bodies with half a surrogate pair', () => {
  let app: FastifyInstance
  let base: string
  let reached = 0

  before(async () => {
    app = createHttpServer({ logger: createLogger('http-test', 'silent'), metrics: createMetrics('http-test') })
    app.post('/echo', async req => { reached++; return { body: req.body } })
    base = await app.listen({ host: '127.0.0.1', port: 0 })
  })
  after(() => app.close())

  const post = async (json: string) => {
    const res = await fetch(`${base}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: json })
    return { status: res.status, body: await res.json() as Record<string, unknown> }
  }

  // Found by test/fuzz: post-service answered `{"title":"\ud800"}` with a 500, MariaDB's
  // JSON_VALID check on the outbox payload refusing the escaped lone surrogate.
  it('refuses a lone surrogate anywhere in the body with a 400 naming its field, before the route runs', async () => {
    const before = reached
    for (const [json, field] of [
      ['{"title":"\\ud800"}', 'title'],
      ['{"a":{"b":["ok","x\\udfff"]}}', 'a.b.1'],
      ['{"ok":"😀","\\udc00key":1}', '\udc00key'],
      ['"\\ud83d"', 'body'],
      ['{"first":"\\ud800","second":"\\udfff"}', 'first'],
      [`{"deep":${'['.repeat(5000)}"\\ud800"${']'.repeat(5000)}}`, `deep${'.0'.repeat(5000)}`]
    ] as const) {
      const res = await post(json)
      assert.equal(res.status, 400, json.slice(0, 50))
      assert.equal(res.body.error, 'INVALID_INPUT')
      assert.equal(res.body.field, field)
      assert.equal(typeof res.body.message, 'string')
    }
    assert.equal(reached, before, 'no route saw an ill-formed body')
  })

  it('lets well-formed text through: pairs, astral characters, escapes of whole pairs', async () => {
    const res = await post('{"a":"\\ud83d\\ude00 😀 𝔸 e\\u0301 \\u0000"}')
    assert.equal(res.status, 200)
    assert.deepEqual(res.body, { body: { a: '😀 😀 𝔸 e\u0301 \u0000' } })
  })
})
