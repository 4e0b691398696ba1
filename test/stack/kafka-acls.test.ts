import assert from 'node:assert/strict'
import { join } from 'node:path'
import { test } from 'node:test'
import { Admin, Consumer, Producer, stringSerializers } from '@platformatic/kafka'
import { execa } from 'execa'
import { loadStackConfig } from '@ripple/stack'
import { javaClientConfig, kafkaLoginOf, stack, unique } from '@ripple/testing'

// Each service's principal may do only what its package.json "ripple".kafka declares; a client
// without a login is not served at all. Refusals are asserted by Kafka's own error codes.

const config = loadStackConfig()
const USERS_TOPIC = 'cdc.table.userdata.users'

/** Every Kafka error code (TOPIC_AUTHORIZATION_FAILED, ...) and library error code in an error, its causes and aggregated errors. */
function kafkaCodes (error: unknown, seen = new Set<unknown>()): string[] {
  if (error === null || typeof error !== 'object' || seen.has(error)) return []
  seen.add(error)
  const e = error as { apiId?: unknown, code?: unknown, errors?: unknown[], cause?: unknown }
  return [
    ...(typeof e.apiId === 'string' ? [e.apiId] : []),
    ...(typeof e.code === 'string' ? [e.code] : []),
    ...(Array.isArray(e.errors) ? e.errors.flatMap(inner => kafkaCodes(inner, seen)) : []),
    ...kafkaCodes(e.cause, seen)
  ]
}

async function refusal (work: () => Promise<unknown>): Promise<string[]> {
  try {
    await work()
  } catch (error) {
    return kafkaCodes(error)
  }
  assert.fail('Kafka allowed it')
}

const asService = (name: string) => ({ bootstrapBrokers: stack.kafkaBrokers, sasl: kafkaLoginOf(name), retries: 0 })

test('a service reads its own topic, but not a topic it does not consume: TOPIC_AUTHORIZATION_FAILED', async () => {
  const consumer = new Consumer({ clientId: 'it-acl-read', groupId: unique('it-acl-unused-'), ...asService('notification-service') })
  try {
    // Its own topic answers (so what follows is the ACL, not a broken login).
    const own = await consumer.listOffsets({ topics: [USERS_TOPIC] })
    assert.ok((own.get(USERS_TOPIC)?.length ?? 0) > 0)
    // receiver-topic's jobs are the processor's and the informer's to read.
    const codes = await refusal(() => consumer.listOffsets({ topics: ['receiver-topic'] }))
    assert.ok(codes.includes('TOPIC_AUTHORIZATION_FAILED'), codes.join(', '))
  } finally {
    await consumer.close(true)
  }
})

test('a service cannot write a topic it does not produce, its own input included: TOPIC_AUTHORIZATION_FAILED', async () => {
  // notification-service consumes the user changes: forging one (a mail would go out) is refused.
  for (const [principal, topic] of [['notification-service', USERS_TOPIC], ['receiver', 'processor-topic']] as const) {
    const producer = new Producer({ clientId: 'it-acl-write', ...asService(principal), serializers: stringSerializers, idempotent: true, acks: -1, autocreateTopics: false })
    try {
      const codes = await refusal(() => producer.send({ messages: [{ topic, key: 'forged', value: '{"forged":true}' }] }))
      assert.ok(codes.includes('TOPIC_AUTHORIZATION_FAILED'), `${principal} → ${topic}: ${codes.join(', ')}`)
    } finally {
      await producer.close()
    }
  }
})

test('a service cannot join another service\'s consumer group: GROUP_AUTHORIZATION_FAILED', async () => {
  // Its own topic, subscribe-service's group: refused before any member joins, so that group never rebalances.
  const consumer = new Consumer({ clientId: 'it-acl-group', groupId: 'subscribe-service', ...asService('notification-service') })
  try {
    const codes = await refusal(() => consumer.consume({ topics: [USERS_TOPIC], mode: 'committed', fallbackMode: 'latest', autocommit: false }))
    assert.ok(codes.includes('GROUP_AUTHORIZATION_FAILED'), codes.join(', '))
  } finally {
    await consumer.close(true)
  }
})

test('a client without a login is refused at connect, and a wrong password fails authentication', async () => {
  const anonymous = new Admin({ clientId: 'it-acl-anonymous', bootstrapBrokers: stack.kafkaBrokers, retries: 0, timeout: 5000 })
  try {
    // The SASL listener drops a connection whose first request is not the SASL handshake: nothing is answered.
    const codes = await refusal(() => anonymous.metadata({ topics: [] }))
    assert.ok(codes.includes('PLT_KFK_NETWORK'), codes.join(', '))
    assert.ok(!codes.some(c => !c.startsWith('PLT_KFK_')), `no Kafka answer, only the dropped connection: ${codes.join(', ')}`)
  } finally {
    await anonymous.close()
  }
  const wrong = new Admin({ clientId: 'it-acl-wrong', bootstrapBrokers: stack.kafkaBrokers, sasl: { ...kafkaLoginOf('notification-service'), password: 'not-the-password' }, retries: 0, timeout: 5000 })
  try {
    const codes = await refusal(() => wrong.metadata({ topics: [] }))
    assert.ok(codes.includes('SASL_AUTHENTICATION_FAILED'), codes.join(', '))
  } finally {
    await wrong.close()
  }
})

test('Kafka\'s own console consumer, with sync-service\'s credentials, is not authorized to read the user changes', async () => {
  // A client not written here: the Java console consumer from the stack's Kafka jars, its login in a 0600 file.
  const result = await execa('java', [
    '-cp', join(config.paths.kafkaLibs, '*'), 'org.apache.kafka.tools.consumer.ConsoleConsumer',
    '--bootstrap-server', stack.kafkaBrokers.join(','), '--consumer.config', javaClientConfig('sync-service'),
    '--topic', USERS_TOPIC, '--partition', '0', '--offset', 'earliest', '--max-messages', '1', '--timeout-ms', '30000'
  ], { all: true, reject: false, timeout: 120_000 })
  // It prints the refusal and ends, having consumed nothing.
  assert.match(String(result.all), /TopicAuthorizationException: Not authorized to access topics: \[cdc\.table\.userdata\.users\]/, String(result.all))
  assert.match(String(result.all), /Processed a total of 0 messages/, String(result.all))
})

test('./ripple kafka acls --json lists each principal with exactly its declared rights', async () => {
  const ripple = join(config.repoRoot, 'ripple')
  const principals = JSON.parse((await execa(ripple, ['kafka', 'acls', '--json'])).stdout) as { principal: string, acls: { resource: string, name: string, pattern: string, operations: string[] }[] }[]
  const of = (name: string) => principals.find(p => p.principal === `User:${name}`)?.acls ?? assert.fail(`no ${name}`)
  for (const name of ['connect', 'console', 'ripple-cli', 'ripple-test', 'clickhouse', ...config.services.map(s => s.name)]) of(name)
  assert.deepEqual(of('notification-service'), [
    { resource: 'GROUP', name: 'notification-service', pattern: 'LITERAL', operations: ['DESCRIBE', 'READ'] },
    { resource: 'TOPIC', name: 'cdc.table.userdata.users', pattern: 'LITERAL', operations: ['CREATE', 'DESCRIBE', 'READ'] },
    { resource: 'TOPIC', name: 'cdc.table.userdata.users.dlq', pattern: 'LITERAL', operations: ['CREATE', 'DESCRIBE', 'WRITE'] }
  ])
  assert.deepEqual(of('user-service'), [], 'user-service declares no Kafka use, so it has no rights')
  // Nobody but the super user may change ACLs or the cluster.
  for (const p of principals) {
    for (const a of p.acls) assert.ok(!a.operations.some(o => ['ALL', 'ALTER', 'CLUSTER_ACTION'].includes(o)), `${p.principal} ${a.resource} ${a.name}: ${a.operations.join(',')}`)
  }
})
