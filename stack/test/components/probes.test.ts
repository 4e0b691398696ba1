import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import { after, before, test } from 'node:test'
import { httpProbe } from '../../src/components/probes.ts'

// Answers like a service of the kit: 200, or 503 with the reasons, or a bare 500.
let server: Server
let base = ''
before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/ok') { res.end('{"status":"ok","reasons":[]}'); return }
    if (req.url === '/unhealthy') {
      res.writeHead(503, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ status: 'unhealthy', reasons: ['consumer jobs (receiver-topic): not in its group', 'postgres does not answer: ECONNREFUSED'], postgres: 'down' }))
      return
    }
    res.writeHead(500)
    res.end('boom')
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`
})
after(() => new Promise<void>(resolve => server.close(() => resolve())))

test('a 503 with reasons is unhealthy with its first reason, the others counted', async () => {
  const h = await httpProbe(`${base}/unhealthy`)
  assert.equal(h.healthy, false)
  assert.match(h.reason ?? '', /^consumer jobs \(receiver-topic\): not in its group \(and 1 more: curl .*\/unhealthy\)$/)
})

test('2xx is healthy; another failure names the status', async () => {
  assert.deepEqual(await httpProbe(`${base}/ok`), { healthy: true })
  assert.deepEqual(await httpProbe(`${base}/broken`), { healthy: false, reason: `${base}/broken answered HTTP 500` })
})
