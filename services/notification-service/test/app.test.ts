import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { setTimeout as pause } from 'node:timers/promises'
import { Admin } from '@platformatic/kafka'
import { changeEventId, createLogger, createProducer, decodeChangeEvent, kafkaConnection, openPostgresDatabase } from '@ripple/kit'
import pg from 'pg'
import type { KafkaProducer } from '@ripple/kit'
import { createPgSentMailLog } from '../src/adapters/pg-sent-mail-log.adapter.ts'
import { createNotificationService } from '../src/app.ts'
import { messageIdFor, planMails } from '../src/interactors/notify-user-change.interactor.ts'
import { toUserChange } from '../src/transport/user-row.mapper.ts'
import { privateSmtp } from './private-smtp.ts'
import { dropDatabase, eventually, groupCaughtUp, mailsTo, metricValue, readTopic, recordsIn, serviceConfig, stack, unique, userEvents } from './stack.helpers.ts'
import type { NotificationService } from './stack.helpers.ts'

/** The id the service gives a Debezium event: its binlog position. */
function eventIdOf (value: string): string {
  const decoded = decodeChangeEvent(value)
  assert.equal(decoded.kind, 'change')
  if (decoded.kind !== 'change') throw new Error('not a change event')
  return changeEventId(decoded.event, { topic: 't', partition: 0, offset: 0n })
}

describe('notification-service (real Kafka, PostgreSQL, SMTP capture)', () => {
  let producer: KafkaProducer
  const services: NotificationService[] = []
  const databases: string[] = []

  before(() => { producer = createProducer({ ...kafkaConnection(serviceConfig({ TOPIC: 't', GROUP_ID: 'g', POSTGRES_DATABASE: 'd' })), clientId: 'notification-service-test' }) })
  after(async () => {
    await Promise.all(services.map(s => s.stop()))
    await producer.close()
    await Promise.all(databases.map(dropDatabase))
  })

  function setup (name: string) {
    const scope = { topic: unique(`test.users.${name}.`), groupId: unique(`test-notification-${name}-`), database: unique(`test_notification_${name}_`), domain: `${unique('n')}.test` }
    databases.push(scope.database)
    return { ...scope, events: userEvents(scope.domain) }
  }

  async function startService (scope: ReturnType<typeof setup>, env: Record<string, string> = {}) {
    const service = createNotificationService(serviceConfig({ ...env, TOPIC: scope.topic, GROUP_ID: scope.groupId, POSTGRES_DATABASE: scope.database }))
    services.push(service)
    return { service, ...(await service.start()) }
  }

  async function sentMailRows (database: string) {
    const config = serviceConfig({ TOPIC: 't', GROUP_ID: 'g', POSTGRES_DATABASE: database })
    const db = new pg.Client({ host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD, database })
    await db.connect()
    try {
      const rows = await db.query<{ event_id: string, kind: string, status: string }>('SELECT event_id, kind, status FROM sent_mails ORDER BY event_id, seq')
      const inbox = await db.query('SELECT 1 FROM inbox')
      return { mails: rows.rows, inbox: inbox.rowCount ?? 0 }
    } finally {
      await db.end()
    }
  }

  it('parks a malformed message in the dead-letter topic and still mails the next change', async () => {
    const scope = setup('dlq')
    const { events, topic } = scope
    await startService(scope)
    await producer.send([
      { topic, key: events.key(1), value: 'this is not a change event' },
      { topic, key: events.key(1), value: events.withSchema(events.updated(1, 1)) }
    ])

    const [mail] = await eventually(async () => {
      const mails = await mailsTo(scope.domain)
      assert.equal(mails.length, 1)
      return mails
    })
    assert.deepEqual(mail?.to, [`user1@${scope.domain}`])
    assert.match(mail?.text ?? '', /Full name: User 1 v0 → User 1 v1/)

    const [parked] = await readTopic(`${topic}.dlq`, records => records.length >= 1)
    assert.equal(parked?.value, 'this is not a change event')
    assert.equal(parked?.key, events.key(1))
    assert.match(parked?.headers['x-dlq-reason'] ?? '', /not JSON/)
    assert.equal(parked?.headers['x-dlq-error-code'], 'INVALID_INPUT')
    assert.equal(parked?.headers['x-dlq-original-topic'], topic)
  })

  it('waits out an SMTP outage for as long as it lasts: nothing dead-lettered, nothing committed, then mailed once', async () => {
    const scope = setup('smtpdown')
    const { events, topic } = scope
    const smtp = await privateSmtp()
    await smtp.stop()
    try {
      const { url } = await startService(scope, { SMTP_PORT: String(smtp.port) })
      const value = events.updated(3, 1)
      await producer.send({ topic, key: events.key(3), value })

      // Refused again and again (backoff 50-500 ms in tests): far past any attempt budget the service once had.
      await eventually(async () => assert.ok(await metricValue(url, 'ripple_mail_send_failures_total', { code: 'SMTP_UNAVAILABLE' }) >= 8), 60_000, 50)
      assert.equal(await groupCaughtUp(scope.groupId, topic), false, 'the update is still in flight, its offset uncommitted')
      assert.equal(await recordsIn(`${topic}.dlq`), 0, 'nothing dead-lettered')
      // An attempt in progress may hold its claim for the moment; none is confirmed.
      const during = await sentMailRows(scope.database)
      assert.equal(during.inbox, 0)
      assert.deepEqual(during.mails.filter(m => m.status !== 'pending'), [])
      const health = await fetch(`${url}/health`)
      assert.equal(health.status, 503)
      assert.match(JSON.stringify(await health.json()), /smtp does not answer/)

      await smtp.start()
      await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, topic)))
      assert.deepEqual(smtp.received.map(m => [m.to, m.messageId]), [[[`user3@${scope.domain}`], messageIdFor(eventIdOf(value), 'data-changed')]], 'mailed once')
      assert.equal(await recordsIn(`${topic}.dlq`), 0)
      assert.equal(await metricValue(url, 'ripple_mail_resent_total'), 0, 'a refused connection sent nothing, so nothing was resent')
      assert.deepEqual((await sentMailRows(scope.database)).mails.map(m => m.status), ['sent'])
      assert.equal((await fetch(`${url}/health`)).status, 200)
    } finally {
      await smtp.stop()
    }
  })

  it('no reply to DATA (socket timeout): the mail is sent again with the same Message-ID, counted as a resend', async () => {
    const scope = setup('timeout')
    const { events, topic } = scope
    // The first copy reaches the server, which never answers it; later copies are taken.
    const smtp = await privateSmtp((_, received) => received.length === 1 ? 'hang' : 'accept')
    try {
      const { url } = await startService(scope, { SMTP_PORT: String(smtp.port), SMTP_SOCKET_TIMEOUT_MS: '3000' })
      const value = events.updated(4, 1)
      await producer.send({ topic, key: events.key(4), value })

      await eventually(() => assert.equal(smtp.received.length, 1), 60_000, 20)
      assert.equal(await groupCaughtUp(scope.groupId, topic), false, 'the timeout hit while the update was in flight')
      assert.deepEqual(await sentMailRows(scope.database), { mails: [{ event_id: eventIdOf(value), kind: 'data-changed', status: 'pending' }], inbox: 0 })

      await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, topic)))
      const id = messageIdFor(eventIdOf(value), 'data-changed')
      assert.deepEqual(smtp.received.map(m => m.messageId), [id, id], 'two copies, one identity')
      assert.equal(await metricValue(url, 'ripple_mail_resent_total', { kind: 'data-changed' }), 1)
      assert.equal(await metricValue(url, 'ripple_mail_send_failures_total', { code: 'SMTP_IN_DOUBT' }), 1)
      assert.equal(await recordsIn(`${topic}.dlq`), 0)
      assert.deepEqual((await sentMailRows(scope.database)).mails.map(m => m.status), ['sent'])
    } finally {
      await smtp.stop()
    }
  })

  it('a claim a killed process left pending is sent again on redelivery, with the Message-ID it had', async () => {
    const scope = setup('pending')
    const { events, topic } = scope
    const value = events.updated(5, 1)
    const eventId = eventIdOf(value)
    // What a process killed between claim and confirmation leaves behind.
    const config = serviceConfig({ TOPIC: topic, GROUP_ID: scope.groupId, POSTGRES_DATABASE: scope.database })
    const pool = await openPostgresDatabase({ host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD, database: scope.database }, createLogger('test', 'silent'))
    try {
      const decoded = decodeChangeEvent(value)
      assert.equal(decoded.kind, 'change')
      if (decoded.kind !== 'change') return
      const [mail] = planMails(toUserChange(decoded.event))
      assert.ok(mail)
      await (await createPgSentMailLog(pool)).claim(eventId, 0, mail)
    } finally {
      await pool.end()
    }

    const { url } = await startService(scope)
    await producer.send({ topic, key: events.key(5), value })
    await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, topic)))
    const mails = await mailsTo(scope.domain)
    assert.equal(mails.length, 1, 'sent, not left \'in doubt\'')
    assert.equal(mails[0]?.headers['message-id'], messageIdFor(eventId, 'data-changed'))
    assert.equal(await metricValue(url, 'ripple_mail_resent_total', { kind: 'data-changed' }), 1)
    assert.deepEqual(await sentMailRows(scope.database), { mails: [{ event_id: eventId, kind: 'data-changed', status: 'sent' }], inbox: 1 })
  })

  it('mails create, update and delete once each, even when Debezium publishes a change twice', async () => {
    const scope = setup('lifecycle')
    const { events, topic } = scope
    const { url } = await startService(scope)
    const created = events.created(2)
    const update = events.updated(2, 1)
    const deleted = events.deleted(2, 1)
    await producer.send([
      { topic, key: events.key(2), value: created },
      { topic, key: events.key(2), value: update },
      // The same change again at a new offset, as after a connector restart: same binlog position.
      { topic, key: events.key(2), value: update },
      { topic, key: events.key(2), value: deleted },
      { topic, key: events.key(2), value: null }
    ])

    await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, topic)))
    const mails = await mailsTo(scope.domain)
    assert.deepEqual(mails.map(m => m.subject), ['Welcome to Ripple', 'Your Ripple account data changed', 'Your Ripple account was deleted'])
    assert.deepEqual(mails.map(m => m.headers['message-id']), [messageIdFor(eventIdOf(created), 'welcome'), messageIdFor(eventIdOf(update), 'data-changed'), messageIdFor(eventIdOf(deleted), 'goodbye')])

    const health = await fetch(`${url}/health`)
    assert.equal(health.status, 200)
    const report = await health.json() as Record<string, unknown>
    assert.equal(report.smtp, 'ok')
    const metrics = await (await fetch(`${url}/metrics`)).text()
    assert.match(metrics, new RegExp(`ripple_messages_total\\{[^}]*topic="${topic.replaceAll('.', '\\.')}"[^}]*outcome="processed"[^}]*\\} 5`))
  })

  it('works on many users of one partition at once: a user whose mail is held holds up only their own later changes', async () => {
    const scope = setup('concurrent')
    const { events, topic } = scope
    // One partition, so every user shares it: handled one at a time, all would wait behind user 0.
    const admin = new Admin({ clientId: 'notification-service-test', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl })
    try {
      await admin.createTopics({ topics: [topic], partitions: 1, replicas: 1 })
    } finally {
      await admin.close()
    }
    const held = `user0@${scope.domain}`
    let release = () => {}
    const hold = new Promise<'accept'>(resolve => { release = () => resolve('accept') })
    // The server sits on user 0's first mail until the test releases it.
    const smtp = await privateSmtp((mail, received) => mail.to.includes(held) && received.filter(m => m.to.includes(held)).length === 1 ? hold : 'accept')
    try {
      // A socket timeout longer than the test: the held mail is never broken off and resent.
      await startService(scope, { SMTP_PORT: String(smtp.port), SMTP_SOCKET_TIMEOUT_MS: '600000', CONCURRENCY_PER_PARTITION: '16' })
      const users = 8
      const versions = 3
      const sent = new Map<number, string[]>()
      for (let version = 1; version <= versions; version++) {
        const batch = Array.from({ length: users }, (_, user) => ({ topic, key: events.key(user), value: events.updated(user, version) }))
        for (const [user, m] of batch.entries()) sent.set(user, [...(sent.get(user) ?? []), messageIdFor(eventIdOf(m.value), 'data-changed')])
        await producer.send(batch)
      }
      const idsTo = (user: number) => smtp.received.filter(m => m.to.includes(`user${user}@${scope.domain}`)).map(m => m.messageId)

      // Every other user's changes overtake user 0's, all of them, while user 0's first mail is held.
      await eventually(() => {
        for (let user = 1; user < users; user++) assert.deepEqual(idsTo(user), sent.get(user), `user${user}'s mails, in order`)
      }, 60_000, 50)
      assert.deepEqual(idsTo(0), sent.get(0)!.slice(0, 1), 'user 0\'s later changes wait for the first')
      assert.equal(await groupCaughtUp(scope.groupId, topic), false, 'the held change keeps the offset where it is')

      release()
      await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, topic)))
      for (let user = 0; user < users; user++) assert.deepEqual(idsTo(user), sent.get(user), `user${user}'s mails, in order, each once`)
      assert.equal(smtp.received.length, users * versions)
    } finally {
      release()
      await smtp.stop()
    }
  })

  it('restarted in the middle of a burst of 200 updates: exactly 200 mails, none twice', async t => {
    const scope = setup('restart')
    const { events, topic } = scope
    const users = 20
    const versions = 10
    const first = await startService(scope)

    // The burst keeps coming while the first instance stops and the second starts.
    const burst = (async () => {
      for (let version = 1; version <= versions; version++) {
        await producer.send(Array.from({ length: users }, (_, user) => ({ topic, key: events.key(user), value: events.updated(user, version) })))
        await pause(50)
      }
    })()

    const mailedBeforeStop = await eventually(async () => {
      const count = (await mailsTo(scope.domain)).length
      assert.ok(count >= 40, `${count} mails so far`)
      return count
    }, 60_000, 20)
    await first.service.stop()
    const mailedByFirst = (await mailsTo(scope.domain)).length
    assert.ok(mailedByFirst < users * versions, 'the first instance stopped before the burst was through')
    assert.ok(mailedByFirst >= mailedBeforeStop)
    t.diagnostic(`first instance mailed ${mailedByFirst} before it stopped`)

    await startService(scope)
    await burst
    await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, topic), 'every update handled and committed'))

    const mails = await mailsTo(scope.domain)
    assert.equal(mails.length, users * versions)
    assert.equal(new Set(mails.map(m => `${m.to.join()}|${m.text}`)).size, users * versions, 'no mail twice')
    for (let user = 0; user < users; user++) {
      const changes = mails.filter(m => m.to.includes(`user${user}@${scope.domain}`)).map(m => /Full name: (.*)/.exec(m.text)?.[1])
      assert.deepEqual(changes, Array.from({ length: versions }, (_, v) => `User ${user} v${v} → User ${user} v${v + 1}`), `user${user}'s mails, in order`)
    }
  })
})
