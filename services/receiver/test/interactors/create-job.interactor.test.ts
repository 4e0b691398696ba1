import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RecordingPublisher } from '@ripple/testing/fakes'
import type { Job } from '../../src/entities/job.entity.ts'
import { makeCreateJob } from '../../src/interactors/create-job.interactor.ts'

// 2024-01-27T12:34:50.594423357Z, the seed's example, in nanoseconds.
const SEED_INSTANT = 1_706_358_890_594_423_357n

describe('create-job', () => {
  it('publishes a job with a new id, the creation instant to the nanosecond, the sleep and hex data of the asked size', async () => {
    const publisher = new RecordingPublisher<Job>()
    const createJob = makeCreateJob({ publisher, newId: () => 'b31b7446-20f7-4add-adea-157bac7fe73b', now: () => SEED_INSTANT, randomHex: bytes => 'ab'.repeat(bytes) })
    const job = await createJob({ sleep: 99, dataSize: 3 })
    assert.deepEqual(job, { id: 'b31b7446-20f7-4add-adea-157bac7fe73b', createDate: '2024-01-27T12:34:50.594423357Z', sleep: 99, data: 'ababab' })
    assert.deepEqual(publisher.published, [job])
  })

  it('by default makes random data: twice the size in hex digits, and different ids', async () => {
    const publisher = new RecordingPublisher<Job>()
    const createJob = makeCreateJob({ publisher })
    const first = await createJob({ sleep: 100, dataSize: 1024 })
    const second = await createJob({ sleep: 100, dataSize: 0 })
    assert.match(first.data, /^[0-9a-f]{2048}$/)
    assert.equal(second.data, '')
    assert.notEqual(first.id, second.id)
    assert.match(first.createDate, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z$/)
  })

  it('fails when the job cannot be published, so no one is told of a job that does not exist', async () => {
    const publisher = new RecordingPublisher<Job>()
    publisher.failWith = new Error('Kafka is down')
    const createJob = makeCreateJob({ publisher })
    await assert.rejects(createJob({ sleep: 1, dataSize: 1 }), /Kafka is down/)
    assert.equal(publisher.published.length, 0)
  })
})
