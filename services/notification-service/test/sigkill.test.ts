import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { after, test } from 'node:test'
import { changeEventId, createProducer, decodeChangeEvent, kafkaConnection } from '@ripple/kit'
import { topicEndOffsets } from '@ripple/testing'
import { messageIdFor } from '../src/interactors/notify-user-change.interactor.ts'
import { dropDatabase, eventually, groupCaughtUp, mailsTo, metricValue, serviceConfig, unique, userEvents } from './stack.helpers.ts'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))

/** The service as ./ripple runs it: its own process, so it can be SIGKILLed mid-send. */
async function runProcess (env: Record<string, string>): Promise<{ child: ChildProcess, url: string }> {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', main], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8')
      const started = /"url":"([^"]+)","msg":"notification-service started"/.exec(output)
      if (started?.[1]) resolve(started[1])
    })
    child.once('exit', code => reject(new Error(`notification-service exited (${code}) before it started: ${output.slice(-2000)}`)))
  })
  return { child, url }
}

test('SIGKILLed in the middle of a burst of 300 updates: every mail arrives, repeats only with the Message-ID of the original', async t => {
  const scope = { topic: unique('test.users.kill.'), groupId: unique('test-notification-kill-'), database: unique('test_notification_kill_'), domain: `${unique('k')}.test` }
  const events = userEvents(scope.domain)
  const children: ChildProcess[] = []
  const producer = createProducer({ ...kafkaConnection(serviceConfig({ TOPIC: 't', GROUP_ID: 'g', POSTGRES_DATABASE: 'd' })), clientId: 'notification-service-test' })
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    await producer.close()
    await dropDatabase(scope.database)
  })
  const env = {
    TOPIC: scope.topic,
    GROUP_ID: scope.groupId,
    POSTGRES_DATABASE: scope.database,
    PORT: '0',
    LOG_LEVEL: 'info',
    RETRY_MIN_MS: '50',
    RETRY_MAX_MS: '500',
    KAFKA_SESSION_TIMEOUT_MS: '6000'
  }

  const users = 30
  const versions = 10
  const values: string[] = []
  for (let version = 1; version <= versions; version++) {
    const batch = Array.from({ length: users }, (_, user) => ({ topic: scope.topic, key: events.key(user), value: events.updated(user, version) }))
    values.push(...batch.map(m => m.value))
    await producer.send(batch)
  }
  const expected = new Set(values.map(value => {
    const decoded = decodeChangeEvent(value)
    assert.equal(decoded.kind, 'change')
    return decoded.kind === 'change' ? messageIdFor(changeEventId(decoded.event, { topic: scope.topic, partition: 0, offset: 0n }), 'data-changed') : ''
  }))
  assert.equal(expected.size, users * versions)

  const first = await runProcess(env)
  children.push(first.child)
  const started = Date.now()
  // The service's own count: listing the shared capture is too slow to poll this often.
  await eventually(async () => assert.ok(await metricValue(first.url, 'ripple_messages_total', { outcome: 'processed' }) >= 40), 60_000, 10)
  first.child.kill('SIGKILL')
  await once(first.child, 'exit')
  const killed = Date.now()
  const atKill = (await mailsTo(scope.domain)).length
  t.diagnostic(`${atKill} of ${users * versions} mails out when the first process was killed`)
  assert.ok(atKill < (users * versions) / 2, 'killed while most of the burst was still in flight')

  const second = await runProcess(env)
  children.push(second.child)
  await eventually(async () => assert.ok(await groupCaughtUp(scope.groupId, scope.topic), 'every update handled and committed'), 120_000)
  t.diagnostic(`killed after ${Math.round((killed - started) / 1000)} s; the second process caught up ${Math.round((Date.now() - killed) / 1000)} s after the kill`)
  const resent = await metricValue(second.url, 'ripple_mail_resent_total', { kind: 'data-changed' })
  second.child.kill('SIGTERM')
  await once(second.child, 'exit')

  const mails = await mailsTo(scope.domain)
  const ids = mails.map(m => m.headers['message-id'] ?? '')
  const distinct = new Set(ids)
  const missing = [...expected].filter(id => !distinct.has(id))
  const unexpected = [...distinct].filter(id => !expected.has(id))
  const repeats = ids.length - distinct.size
  const partitions = (await topicEndOffsets(scope.topic)).length
  t.diagnostic(`expected ${expected.size}, received ${ids.length} (${distinct.size} distinct Message-IDs), missing ${missing.length}, repeats ${repeats}, resent by the second process ${resent}, partitions ${partitions}`)
  assert.deepEqual(missing, [], 'no mail lost')
  assert.deepEqual(unexpected, [])
  // A repeat is a mail the killed process had handed over but not confirmed. Many users' changes
  // run at once, each user's one after the other: at most one mail in flight per user.
  assert.ok(repeats <= resent, 'every repeat was a counted resend')
  assert.ok(resent <= users, `at most one mail in flight per user at the kill (${resent})`)
  for (let user = 0; user < users; user++) {
    const changes = [...new Map(mails.filter(m => m.to.includes(`user${user}@${scope.domain}`)).map(m => [m.headers['message-id'], /Full name: (.*)/.exec(m.text)?.[1]])).values()]
    assert.deepEqual(changes, Array.from({ length: versions }, (_, v) => `User ${user} v${v} → User ${user} v${v + 1}`), `user${user}'s mails, in order`)
  }
})
