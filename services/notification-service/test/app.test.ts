import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createServer } from 'node:net'
import { setTimeout as pause } from 'node:timers/promises'
import { createProducer } from '@ripple/kit'
import pg from 'pg'
import type { KafkaProducer } from '@ripple/kit'
import { createNotificationService } from '../src/app.ts'
import { dropDatabase, eventually, groupCaughtUp, mailsTo, readTopic, serviceConfig, unique, userEvents } from './stack.helpers.ts'
import type { NotificationService } from './stack.helpers.ts'

describe('notification-service (real Kafka, PostgreSQL, SMTP capture)', () => {
  let producer: KafkaProducer
  const services: NotificationService[] = []
  const databases: string[] = []

  before(() => { producer = createProducer({ brokers: serviceConfig({ TOPIC: 't', GROUP_ID: 'g', POSTGRES_DATABASE: 'd' }).KAFKA_BROKERS, clientId: 'notification-service-test' }) })
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

  it('retries a mail the SMTP server does not take, then dead-letters it and frees its claim', async () => {
    const scope = setup('smtpdown')
    const { events, topic } = scope
    // A port nobody listens on: every connection is refused, a transient failure.
    const closed = await new Promise<number>(resolve => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    await startService(scope, { SMTP_PORT: String(closed), SMTP_RETRIES: '2' })
    await producer.send({ topic, key: events.key(3), value: events.updated(3, 1) })

    const [parked] = await readTopic(`${topic}.dlq`, records => records.length >= 1)
    assert.equal(parked?.headers['x-dlq-error-code'], 'SMTP_UNAVAILABLE')
    assert.equal(parked?.headers['x-dlq-attempts'], '3')
    assert.equal(parked?.key, events.key(3))
    assert.equal(JSON.parse(parked?.value ?? '{}').after?.email, `user3@${scope.domain}`)
    await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, topic)))

    const config = serviceConfig({ TOPIC: topic, GROUP_ID: scope.groupId, POSTGRES_DATABASE: scope.database })
    const db = new pg.Client({ host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD, database: scope.database })
    await db.connect()
    try {
      assert.equal((await db.query('SELECT 1 FROM sent_mails')).rowCount, 0, 'a replay from the dead-letter topic will send the mail')
      assert.equal((await db.query('SELECT 1 FROM inbox')).rowCount, 0)
    } finally {
      await db.end()
    }
  })

  it('mails create, update and delete once each, even when Debezium publishes a change twice', async () => {
    const scope = setup('lifecycle')
    const { events, topic } = scope
    const { port } = await startService(scope)
    const update = events.updated(2, 1)
    await producer.send([
      { topic, key: events.key(2), value: events.created(2) },
      { topic, key: events.key(2), value: update },
      // The same change again at a new offset, as after a connector restart: same binlog position.
      { topic, key: events.key(2), value: update },
      { topic, key: events.key(2), value: events.deleted(2, 1) },
      { topic, key: events.key(2), value: null }
    ])

    await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, topic)))
    const mails = await mailsTo(scope.domain)
    assert.deepEqual(mails.map(m => m.subject), ['Welcome to Ripple', 'Your Ripple account data changed', 'Your Ripple account was deleted'])

    const health = await (await fetch(`http://127.0.0.1:${port}/health`)).json() as Record<string, unknown>
    assert.equal(health.consumer, 'up')
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
    assert.match(metrics, new RegExp(`ripple_messages_total\\{[^}]*topic="${topic.replaceAll('.', '\\.')}"[^}]*outcome="processed"[^}]*\\} 5`))
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
