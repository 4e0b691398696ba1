import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import type { JobEvent } from '../../src/entities/job-view.entity.ts'
import { makeGetJobInfo } from '../../src/interactors/get-job-info.interactor.ts'
import type { GetJobInfo } from '../../src/interactors/get-job-info.interactor.ts'
import { makeRecordJobEvent } from '../../src/interactors/record-job-event.interactor.ts'
import type { RecordJobEvent } from '../../src/interactors/record-job-event.interactor.ts'
import { InMemoryJobViewRepository } from '../fakes/in-memory-job-view.repository.ts'

const ID = 'b31b7446-20f7-4add-adea-157bac7fe73b'
const CREATE = '2024-01-27T12:34:50.594423357Z'
const FINISH = '2024-01-27T12:34:50.704464721Z'
const created: JobEvent = { kind: 'created', id: ID, createDate: CREATE }
const finished = (finishDate = FINISH): JobEvent => ({ kind: 'finish', id: ID, createDate: CREATE, finishDate })

describe('record-job-event and get-job-info', () => {
  let record: RecordJobEvent
  let info: GetJobInfo

  beforeEach(() => {
    const views = new InMemoryJobViewRepository()
    record = makeRecordJobEvent({ views })
    info = makeGetJobInfo({ views })
  })

  it('answers unknown for a job it never saw', async () => {
    assert.deepEqual(await info('00000000-0000-0000-0000-000000000000'), { id: '00000000-0000-0000-0000-000000000000', status: 'unknown' })
  })

  it('answers created once the receiver published the job, and finish once the processor did', async () => {
    await record(created)
    assert.deepEqual(await info(ID), { id: ID, status: 'created', createDate: CREATE, finishDate: null })
    await record(finished())
    assert.deepEqual(await info(ID), { id: ID, status: 'finish', createDate: CREATE, finishDate: FINISH })
  })

  it('keeps finish when the job\'s created arrives late (the two topics are read independently)', async () => {
    await record(finished())
    await record(created)
    assert.deepEqual(await info(ID), { id: ID, status: 'finish', createDate: CREATE, finishDate: FINISH })
  })

  it('gives the same answer when events are delivered again', async () => {
    for (const event of [created, created, finished(), created, finished()]) await record(event)
    assert.deepEqual(await info(ID), { id: ID, status: 'finish', createDate: CREATE, finishDate: FINISH })
  })

  it('takes the later finish of a job finished twice (a processor restarted before it committed), as the JDBC sink does', async () => {
    await record(finished())
    await record(finished('2024-01-27T12:34:51.000000000Z'))
    assert.equal((await info(ID)).status, 'finish')
    assert.deepEqual(await info(ID), { id: ID, status: 'finish', createDate: CREATE, finishDate: '2024-01-27T12:34:51.000000000Z' })
  })
})
