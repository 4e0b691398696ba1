import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RecordingPublisher } from '@ripple/testing/fakes'
import type { JobDone } from '../../src/entities/job.entity.ts'
import { makeFinishJob } from '../../src/interactors/finish-job.interactor.ts'
import type { Clock } from '../../src/ports/clock.port.ts'

const MS = 1_000_000n
// 2024-01-27T12:34:50.594423357Z, the seed's example job.
const CREATED = 1_706_358_890_594_423_357n
const job = (sleep: number) => ({ id: 'b31b7446-20f7-4add-adea-157bac7fe73b', createDate: '2024-01-27T12:34:50.594423357Z', createdAtNs: CREATED, sleep })

/** Time that moves only when a job waits: waiting jumps to the instant waited for. */
class FakeClock implements Clock {
  current: bigint
  readonly waits: bigint[] = []
  constructor (start: bigint) { this.current = start }
  now () { return this.current }
  async waitUntil (epochNs: bigint, signal: AbortSignal) {
    signal.throwIfAborted()
    this.waits.push(epochNs)
    if (epochNs > this.current) this.current = epochNs
  }
}

const never = new AbortController().signal

describe('finish-job', () => {
  it('finishes a job picked up at once `sleep` ms after it was created, and publishes the seed\'s JobDone', async () => {
    const clock = new FakeClock(CREATED + 3n * MS)
    const publisher = new RecordingPublisher<JobDone>()
    const result = await makeFinishJob({ clock, publisher })(job(99), never)
    assert.deepEqual(clock.waits, [CREATED + 99n * MS])
    assert.deepEqual(result.done, { id: job(99).id, status: 'finish', createDate: '2024-01-27T12:34:50.594423357Z', finishDate: '2024-01-27T12:34:50.693423357Z' })
    assert.deepEqual(publisher.published, [result.done])
    assert.equal(result.pickedUpAfterNs, 3n * MS)
    assert.equal(result.finishedAfterNs, 99n * MS)
  })

  it('does not make a job that waited in Kafka longer than its sleep wait again', async () => {
    const clock = new FakeClock(CREATED + 5000n * MS)
    const publisher = new RecordingPublisher<JobDone>()
    const result = await makeFinishJob({ clock, publisher })(job(100), never)
    assert.equal(clock.current, CREATED + 5000n * MS, 'finished the moment it was picked up')
    assert.equal(result.done.finishDate, '2024-01-27T12:34:55.594423357Z')
  })

  it('waits no longer than the sleep when the creator\'s clock is ahead of ours', async () => {
    const clock = new FakeClock(CREATED - 10_000n * MS)
    await makeFinishJob({ clock, publisher: new RecordingPublisher<JobDone>() })(job(100), never)
    assert.deepEqual(clock.waits, [CREATED - 9_900n * MS])
  })

  it('publishes nothing when stopped while the job sleeps', async () => {
    const clock = new FakeClock(CREATED)
    const publisher = new RecordingPublisher<JobDone>()
    const stop = new AbortController()
    stop.abort()
    await assert.rejects(makeFinishJob({ clock, publisher })(job(100), stop.signal))
    assert.equal(publisher.published.length, 0)
  })

  it('fails when the JobDone cannot be published, so the job is not taken as done', async () => {
    const publisher = new RecordingPublisher<JobDone>()
    publisher.failWith = new Error('Kafka is down')
    await assert.rejects(makeFinishJob({ clock: new FakeClock(CREATED), publisher })(job(1), never), /Kafka is down/)
  })
})
