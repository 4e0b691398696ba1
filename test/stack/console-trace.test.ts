// The console's trace of one change on the running stack: a user's, a post's and a job's path,
// each step checked against what the stack really did (the record at the offset the trace names,
// the group's commit, the mail in the capture, the notification, the job's status).
import assert from 'node:assert/strict'
import { randomBytes, randomUUID } from 'node:crypto'
import { describe, test } from 'node:test'
import { loadStackConfig } from '@ripple/stack'
import { callJson, eventually, readTopic, signIn, topicEndOffsets, waitForMails } from '@ripple/testing'
import { traceChange } from '@ripple/console'
import type { ChangeTrace, TraceStep } from '@ripple/console'
import { cdcRelay, createPost, notificationsOf, subscribe } from '../e2e/outbox.support.ts'
import { createJob, waitUntilFinished } from '../e2e/jobs.helpers.ts'

const config = loadStackConfig()
const userService = `http://${config.host}:${config.ports.userService}`
const run = randomBytes(4).toString('hex')

const stepsOf = (trace: ChangeTrace, stage: TraceStep['stage']) => trace.steps.filter(s => s.stage === stage)
const only = (trace: ChangeTrace, stage: TraceStep['stage'], title?: RegExp): TraceStep => {
  const found = stepsOf(trace, stage).filter(s => title === undefined || title.test(s.title))
  assert.equal(found.length, 1, `one ${stage} step${title ? ` like ${title}` : ''} in ${JSON.stringify(trace, null, 1)}`)
  return found[0]!
}
const allOk = (trace: ChangeTrace) => trace.steps.every(s => s.ok)

/** The record a trace names, read back at exactly its partition and offset. */
async function recordAt (topic: string, partition: number, offset: number) {
  const from = await topicEndOffsets(topic)
  from[partition] = BigInt(offset)
  const [record] = await readTopic(topic, seen => seen.some(r => r.partition === partition), 30_000, from)
  assert.equal(record?.partition, partition)
  assert.equal(record?.offset, BigInt(offset))
  return record
}

describe('trace of one change', () => {
  test('a user\'s update: the row, its CDC event with the binlog position, notification-service\'s commit and the mail delivered', async () => {
    const email = `trace-${run}@example.test`
    const password = `pw-${run}-secret`
    const created = await callJson(`${userService}/users`, 'POST', { username: `trace-${run}`, email, password, fullName: 'Grace Hopper' })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.id as string
    await waitForMails(email, 1)
    const token = await signIn(userService, { email }, password)
    const patched = await callJson(`${userService}/users/${id}`, 'PATCH', { fullName: 'Grace B. Hopper' }, { token })
    assert.equal(patched.status, 200, JSON.stringify(patched.body))
    const mails = await waitForMails(email, 2)
    assert.equal(mails[1]?.subject, 'Your Ripple account data changed')

    // The mail goes out before the group commits, so the trace is complete a moment later.
    const trace = await eventually(async () => {
      const t = await traceChange(config, 'user', id)
      assert.ok(allOk(t), JSON.stringify(t, null, 1))
      return t
    }, 30_000, 250)
    assert.equal(trace.found, true)
    assert.deepEqual(trace.steps.map(s => s.stage), ['row', 'event', 'consumer', 'effect'])

    const row = only(trace, 'row')
    assert.equal(row.details.email, email)
    assert.match(row.at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)

    const event = only(trace, 'event')
    assert.equal(event.details.topic, 'cdc.table.userdata.users')
    assert.equal(event.details.op, 'update')
    assert.equal(event.title, `cdc.table.userdata.users ${event.details.partition}:${event.details.offset}`)
    assert.match(String(event.details.file), /^\S+\.\d+$/, 'the binlog file')
    assert.equal(typeof event.details.pos, 'number')
    assert.equal(event.details.eventId, `binlog:${event.details.file}:${event.details.pos}:${event.details.row}`)
    assert.ok(Date.parse(event.at!) >= Date.parse(row.at!) - 1000, 'the event follows the row')
    // The record really at that partition and offset is this user's update, with the row's lastUpdated.
    const record = await recordAt('cdc.table.userdata.users', Number(event.details.partition), Number(event.details.offset))
    assert.equal(record?.key, JSON.stringify({ id: id.replaceAll('-', '') }))
    const after = (JSON.parse(record?.value ?? '{}') as { after: { fullName: string, lastUpdated: number } }).after
    assert.equal(after.fullName, 'Grace B. Hopper')
    assert.equal(new Date(after.lastUpdated / 1000).toISOString().slice(0, 23), row.at!.slice(0, 23))

    const consumer = only(trace, 'consumer')
    assert.equal(consumer.title, 'group notification-service')
    assert.equal(consumer.details.committed, true)
    assert.ok(Number(consumer.details.committedOffset) > Number(event.details.offset), JSON.stringify(consumer.details))
    assert.equal(consumer.details.inbox, true)

    const mail = only(trace, 'effect')
    assert.equal(mail.title, `mail to ${email}`)
    assert.equal(mail.details.subject, 'Your Ripple account data changed')
    assert.equal(mail.details.status, 'sent')
    assert.equal(mail.details.captured, true)
    assert.equal(mail.at, mails[1]?.date, 'the captured mail of this change, not the welcome')
  })

  test('a deleted user: no row, and their newest event (the delete) with its goodbye mail, found by key near the partition\'s end', async () => {
    const email = `trace-${run}-gone@example.test`
    const password = `pw-${run}-secret`
    const created = await callJson(`${userService}/users`, 'POST', { username: `trace-${run}-gone`, email, password })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    const id = created.body.id as string
    await waitForMails(email, 1)
    const token = await signIn(userService, { email }, password)
    assert.equal((await callJson(`${userService}/users/${id}`, 'DELETE', undefined, { token })).status, 204)
    const mails = await waitForMails(email, 2)
    assert.equal(mails[1]?.subject, 'Your Ripple account was deleted')

    const trace = await eventually(async () => {
      const t = await traceChange(config, 'user', id)
      assert.ok(t.steps.filter(s => s.stage !== 'row').every(s => s.ok), JSON.stringify(t, null, 1))
      return t
    }, 30_000, 250)
    assert.equal(trace.found, true)
    const row = only(trace, 'row')
    assert.equal(row.ok, false)
    assert.equal(row.details.present, false)
    assert.equal(only(trace, 'event').details.op, 'delete')
    const goodbye = only(trace, 'effect')
    assert.equal(goodbye.details.subject, 'Your Ripple account was deleted')
    assert.equal(goodbye.at, mails[1]?.date)
  })

  test('a post: its row and outbox row, the EventRouter\'s record, subscribe-service\'s commit and the subscriber\'s notification', async () => {
    const author = `trace-${run}-author`
    const subscriber = `trace-${run}-reader`
    await subscribe(subscriber, author)
    const posted = await createPost(cdcRelay(), author, `trace ${run}`)
    assert.equal(posted.status, 201)
    await eventually(async () => assert.equal((await notificationsOf(subscriber)).length, 1), 60_000, 250)

    const trace = await eventually(async () => {
      const t = await traceChange(config, 'post', String(posted.body.id))
      assert.ok(allOk(t), JSON.stringify(t, null, 1))
      return t
    }, 30_000, 250)
    assert.equal(trace.found, true)
    assert.deepEqual(trace.steps.map(s => s.stage), ['row', 'row', 'event', 'consumer', 'effect'])
    assert.equal(only(trace, 'row', /posts row/).details.authorId, author)
    const outbox = only(trace, 'row', /outbox row/)
    const event = only(trace, 'event')
    assert.equal(event.details.topic, 'outbox.event.post')
    assert.equal(event.details.key, author)
    assert.equal(event.details.eventId, outbox.details.eventId)
    const record = await recordAt('outbox.event.post', Number(event.details.partition), Number(event.details.offset))
    assert.equal(record?.headers.id, outbox.details.eventId)
    assert.equal((JSON.parse(record?.value ?? '{}') as { id: number }).id, posted.body.id)

    const consumer = only(trace, 'consumer')
    assert.equal(consumer.title, 'group subscribe-service')
    assert.ok(Number(consumer.details.committedOffset) > Number(event.details.offset))
    const notified = only(trace, 'effect')
    assert.equal(notified.title, `notification for ${subscriber}`)
    assert.equal(notified.details.subscriber, subscriber)
  })

  test('a job: receiver-topic, processor\'s and informer\'s commits, processor-topic, converter\'s commit and informer\'s status finish', async () => {
    const job = await createJob({ sleep: 20, data_size: 8 })
    await waitUntilFinished([job.id], 60_000)
    const trace = await eventually(async () => {
      const t = await traceChange(config, 'job', job.id)
      assert.ok(t.steps.filter(s => s.stage !== 'effect' || /informer/.test(s.title)).every(s => s.ok), JSON.stringify(t, null, 1))
      return t
    }, 30_000, 250)
    assert.equal(trace.found, true)
    const [received, finished] = stepsOf(trace, 'event')
    assert.equal(received?.details.topic, 'receiver-topic')
    assert.equal(received?.details.key, job.id)
    assert.equal(received?.details.createDate, job.create_date)
    assert.equal(finished?.details.topic, 'processor-topic')
    assert.equal(finished?.details.status, 'finish')
    assert.deepEqual(stepsOf(trace, 'consumer').map(s => `${s.title} ${s.details.topic}`), [
      'group processor receiver-topic', 'group informer receiver-topic', 'group converter processor-topic', 'group informer processor-topic'
    ])
    const record = await recordAt('processor-topic', Number(finished?.details.partition), Number(finished?.details.offset))
    assert.equal(record?.key, job.id)
    const informer = only(trace, 'effect', /informer/)
    assert.equal(informer.details.status, 'finish')
    assert.equal(informer.details.finishDate, finished?.details.finishDate)
  })

  test('an id nothing knows, or one that is no id, is not found and has no steps', async () => {
    for (const [kind, id] of [['user', randomUUID()], ['job', randomUUID()], ['post', '999999999999'], ['user', 'x\' OR 1=1 --'], ['post', '-1']] as const) {
      const trace = await traceChange(config, kind, id)
      assert.equal(trace.found, false, `${kind} ${id}`)
      assert.deepEqual(trace.steps, [])
    }
  })
})
