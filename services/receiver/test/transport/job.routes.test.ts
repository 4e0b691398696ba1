// The HTTP contract of POST /create/job, on the kit's server with an in-memory interactor.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createHttpServer, createLogger, createMetrics } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import type { JobRequest } from '../../src/entities/job.entity.ts'
import { registerJobRoutes } from '../../src/transport/job.routes.ts'

describe('POST /create/job', () => {
  let app: FastifyInstance
  const requests: JobRequest[] = []
  let created = 0

  before(async () => {
    app = createHttpServer({ logger: createLogger('receiver-test', 'silent'), metrics: createMetrics('receiver-test') })
    registerJobRoutes(app, {
      createJob: async request => {
        requests.push(request)
        return { id: 'b31b7446-20f7-4add-adea-157bac7fe73b', createDate: '2024-01-27T12:34:50.594423357Z', sleep: request.sleep, data: 'x' }
      },
      metrics: { jobsCreated: { inc: () => { created++ } } }
    })
    await app.ready()
  })
  after(() => app.close())

  const post = (payload?: string) => app.inject({ method: 'POST', url: '/create/job', ...(payload === undefined ? {} : { payload, headers: { 'content-type': 'application/json' } }) })

  it('without a body makes a job with the defaults (sleep 100 ms, 1024 bytes) and answers as the seed does', async () => {
    const res = await post()
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { id: 'b31b7446-20f7-4add-adea-157bac7fe73b', create_date: '2024-01-27T12:34:50.594423357Z', sleep: 100, data_size: 1024 })
    assert.deepEqual(requests.at(-1), { sleep: 100, dataSize: 1024 })
  })

  it('takes sleep and data_size from the body, each defaulting on its own', async () => {
    assert.equal((await post('{"sleep": 0, "data_size": 65536}')).statusCode, 200)
    assert.deepEqual(requests.at(-1), { sleep: 0, dataSize: 65536 })
    assert.deepEqual((await post('{"data_size": 5}')).json().sleep, 100)
    assert.deepEqual(requests.at(-1), { sleep: 100, dataSize: 5 })
  })

  for (const [body, field, message] of [
    ['{"sleep": -1}', 'sleep', /at least 0/],
    ['{"sleep": 60001}', 'sleep', /at most 60000/],
    ['{"sleep": 1.5}', 'sleep', /whole number/],
    ['{"sleep": "100"}', 'sleep', /whole number/],
    ['{"data_size": 65537}', 'data_size', /at most 65536/],
    ['{"data_size": -3}', 'data_size', /at least 0/],
    ['{"sleeep": 5}', 'sleeep', /Unrecognized key/],
    ['[1, 2]', 'body', /expected object/],
    ['{"sleep": 1', 'body', /JSON/]
  ] as const) {
    it(`refuses ${body} with 400 naming ${field}`, async () => {
      const before = requests.length
      const res = await post(body)
      assert.equal(res.statusCode, 400)
      assert.equal(res.json().field, field)
      assert.match(res.json().message, message)
      assert.equal(requests.length, before, 'no job made')
    })
  }

  it('answers 503 when the job cannot be published, and counts no job', async () => {
    const failing = createHttpServer({ logger: createLogger('receiver-test', 'silent'), metrics: createMetrics('receiver-test-failing') })
    let counted = 0
    registerJobRoutes(failing, { createJob: async () => { throw new Error('Kafka is down') }, metrics: { jobsCreated: { inc: () => { counted++ } } } })
    try {
      const res = await failing.inject({ method: 'POST', url: '/create/job' })
      assert.equal(res.statusCode, 503)
      assert.equal(res.json().error, 'KAFKA_UNAVAILABLE')
      assert.equal(counted, 0)
    } finally {
      await failing.close()
    }
  })

  it('counts the jobs it answered', async () => {
    const before = created
    await post()
    await post('{"sleep": -1}')
    assert.equal(created, before + 1)
  })
})
