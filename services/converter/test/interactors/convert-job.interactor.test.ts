import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RecordingPublisher } from '@ripple/testing/fakes'
import type { JobDone } from '../../src/entities/job-done.entity.ts'
import { makeConvertJob } from '../../src/interactors/convert-job.interactor.ts'
import type { JobRecords } from '../../src/ports/job-record-publisher.port.ts'

// The seed's JobDone.
const seedDone: JobDone = {
  id: 'b31b7446-20f7-4add-adea-157bac7fe73b',
  status: 'finish',
  createDate: '2024-01-27T12:34:50.594423357Z',
  finishDate: '2024-01-27T12:34:50.704464721Z',
  createEpochSeconds: 1706358890,
  finishEpochSeconds: 1706358890
}

describe('convert-job', () => {
  it('publishes the seed\'s JSON-with-schema record for the JDBC sink, field for field', async () => {
    const publisher = new RecordingPublisher<JobRecords>()
    await makeConvertJob({ publisher })(seedDone)
    assert.deepEqual(JSON.parse(JSON.stringify(publisher.published[0]?.postgres)), {
      schema: {
        type: 'struct',
        fields: [
          { type: 'string', optional: false, field: 'id' },
          { type: 'string', optional: false, field: 'status' },
          { type: 'int64', optional: false, field: 'create_date' },
          { type: 'int64', optional: false, field: 'finish_date' }
        ]
      },
      payload: { id: 'b31b7446-20f7-4add-adea-157bac7fe73b', status: 'finish', create_date: 1706358890, finish_date: 1706358890 }
    })
  })

  it('publishes the seed\'s two ClickHouse CSV rows, create then finish, with the dates to the nanosecond', async () => {
    const publisher = new RecordingPublisher<JobRecords>()
    await makeConvertJob({ publisher })(seedDone)
    assert.deepEqual(publisher.published[0]?.clickhouse, [
      'b31b7446-20f7-4add-adea-157bac7fe73b,create,2024-01-27T12:34:50.594423357Z',
      'b31b7446-20f7-4add-adea-157bac7fe73b,finish,2024-01-27T12:34:50.704464721Z'
    ])
    assert.equal(publisher.published[0]?.id, seedDone.id)
  })

  it('fails when the records cannot be published, so the JobDone is taken again', async () => {
    const publisher = new RecordingPublisher<JobRecords>()
    publisher.failWith = new Error('Kafka is down')
    await assert.rejects(makeConvertJob({ publisher })(seedDone), /Kafka is down/)
  })
})
