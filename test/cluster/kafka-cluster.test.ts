// A three-node Kafka cluster (RIPPLE_KAFKA_NODES=3) and two Connect workers survive what one
// broker cannot: a broker SIGKILLed mid-burst, a Connect worker SIGKILLed mid-CDC, and two brokers
// down (writes refused, services unhealthy, then all back). It runs on the cluster that
// `./ripple test` brings up for test/cluster/ once the one-node files are done (its cluster phase).
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { before, describe, test } from 'node:test'
import { Admin } from '@platformatic/kafka'
import { createProducer } from '@ripple/kit'
import { endpoints, loadStackConfig } from '@ripple/stack'
import { connectFetch, connectorState } from '@ripple/operations'
import { beforeFault, eventually, javaClientConfig, readTopic, stack } from '@ripple/testing'
import { execa } from 'execa'
import { assertExactlyOnce, cdcRelay, createPost, subscribe, waitForNotifications } from '../e2e/outbox.support.ts'
import type { PostJson } from '../e2e/outbox.support.ts'
import { USERS_DLQ, USERS_TOPIC, assertEveryChangeMailedOnce, assertInFlight, changeMailsOf, createUsers, deleteUsers, elapsed, recordsSoFar, sleep, updateBurst, whenAtLeast } from '../e2e/faults.support.ts'

const cluster = loadStackConfig({ ...process.env, RIPPLE_KAFKA_NODES: '3' })
const brokers = endpoints(cluster).kafkaBrokers
const USER_CONNECTOR = 'mysql-debezium-cdc-source-user'
const POSTS_TOPIC = 'outbox.event.post'

/** `./ripple <args>` on the cluster (the node count `up` recorded). */
function ripple (args: string[]) {
  return execa(process.execPath, ['--disable-warning=ExperimentalWarning', join(cluster.repoRoot, 'stack', 'src', 'cli.ts'), ...args], { all: true, reject: false })
}

async function mustRipple (args: string[]): Promise<string> {
  const result = await ripple(args)
  assert.equal(result.exitCode, 0, `./ripple ${args.join(' ')} failed:\n${String(result.all).slice(-3000)}`)
  return String(result.all)
}

interface Row { name: string, pid: number | null, healthy: boolean, reason?: string, memoryMb?: number }
const statusRows = async (): Promise<Row[]> => JSON.parse(String((await ripple(['status', '--json'])).stdout)) as Row[]

const admin = () => new Admin({ clientId: 'test-kafka-cluster', bootstrapBrokers: brokers, sasl: stack.kafkaSasl })

/**
 * Kafka's own TopicCommand (from the jars `up` fetched), asked about the cluster: @platformatic/kafka's
 * metadata leaves Kafka's internal topics (__consumer_offsets) without partitions.
 */
async function topicCommand (args: string[]): Promise<string> {
  const result = await execa('java', ['-cp', join(cluster.paths.kafkaLibs, '*'), 'org.apache.kafka.tools.TopicCommand', '--bootstrap-server', brokers.join(','), '--command-config', javaClientConfig(), '--describe', ...args], { all: true, reject: false })
  assert.equal(result.exitCode, 0, String(result.all))
  return String(result.stdout)
}

/** Partitions of every topic, Kafka's own included, whose in-sync replicas are fewer than their replicas. */
async function underReplicated (): Promise<number> {
  return (await topicCommand(['--under-replicated-partitions'])).split('\n').filter(line => /Partition: \d+/.test(line)).length
}

/** Node ids leading partitions of these topics, as the surviving nodes see it. */
async function leaders (topics: string[]): Promise<Map<string, number>> {
  const a = new Admin({ clientId: 'test-kafka-cluster-leaders', bootstrapBrokers: [brokers[0]!], sasl: stack.kafkaSasl, timeout: 2000, retries: 0 })
  try {
    const metadata = await a.metadata({ topics, forceUpdate: true })
    return new Map([...metadata.topics].flatMap(([topic, t]) => t.partitions.map((p, i) => [`${topic}:${i}`, p.leader] as [string, number])))
  } finally {
    await a.close()
  }
}

/** The node (not the first, which the tests' own clients bootstrap from) leading most partitions of these topics. */
async function busiestOtherNode (topics: string[]): Promise<{ id: number, name: string, led: string[] }> {
  const led = await leaders(topics)
  const others = cluster.kafka.nodes.slice(1).map(n => ({ id: n.id, name: n.name, led: [...led].filter(([, leader]) => leader === n.id).map(([p]) => p) }))
  return others.sort((a, b) => b.led.length - a.led.length)[0]!
}

/**
 * A paced stream of acks=all, idempotent sends to a topic of its own (RF 3), 30 keys each with
 * its own sequence: `inFlight()` is how many were sent and not yet acknowledged.
 */
function produceBurst (topic: string, total: number, perSecond: number) {
  const producer = createProducer({ brokers, sasl: stack.kafkaSasl, clientId: 'test-kafka-cluster-burst' })
  let issued = 0
  let acked = 0
  const failures: string[] = []
  const done = (async () => {
    const sends: Promise<void>[] = []
    const started = performance.now()
    for (let n = 0; n < total; n++) {
      const due = started + n * 1000 / perSecond - performance.now()
      if (due > 0) await sleep(due)
      const key = `k${n % 30}`
      issued++
      sends.push(producer.send({ topic, key, value: `${key}:${Math.floor(n / 30)}` }).then(() => { acked++ }, (error: unknown) => { failures.push(String(error)) }))
    }
    await Promise.all(sends)
    await producer.close()
  })()
  return { done, inFlight: () => issued - acked, acked: () => acked, failures }
}

/** One worker's REST API, with `./ripple`'s Connect credentials (every worker takes the same accounts). */
const worker = (url: string) => ({ ...endpoints(cluster).connect, url })

/** The worker (component name) running a connector's first task, from any worker's REST API. */
async function workerOfTask (connector: string, via: string): Promise<string | undefined> {
  const res = await connectFetch(worker(via), `/connectors/${connector}/status`, {}, 5000)
  if (!res.ok) return undefined
  const body = await res.json() as { tasks: { state: string, worker_id: string }[] }
  const task = body.tasks[0]
  if (task?.state !== 'RUNNING') return undefined
  return cluster.connectWorkers.find(w => task.worker_id.endsWith(`:${w.port}`))?.name
}

describe('a three-node Kafka cluster and two Connect workers', () => {
  before(async () => {
    const rows = await statusRows()
    const memory = rows.filter(r => /^(kafka|connect)(-\d+)?$/.test(r.name)).map(r => `${r.name} ${r.memoryMb ?? '?'} MiB`).join(', ')
    console.log(`cluster: load average ${loadavg().map(l => l.toFixed(1)).join(' ')}; RSS: ${memory}`)
    assert.deepEqual(rows.filter(r => /^(kafka|connect)(-\d+)?$/.test(r.name)).map(r => r.name), ['kafka', 'kafka-2', 'kafka-3', 'connect', 'connect-2'],
      'a three-node cluster runs: ./ripple test test/cluster brings it up (or RIPPLE_KAFKA_NODES=3 ./ripple up)')
    assert.deepEqual(rows.filter(r => !r.healthy).map(r => r.name), [], 'everything healthy')
  })

  test('Kafka\'s own topics and the stack\'s are replicated three times with min.insync.replicas 2, and the tasks are spread over both workers', async () => {
    const a = admin()
    try {
      const topics = await eventually(async () => {
        const all = await a.listTopics({ includeInternals: true })
        for (const expected of ['__consumer_offsets', 'connect-configs', 'connect-offsets', 'connect-status', USERS_TOPIC, POSTS_TOPIC]) assert.ok(all.includes(expected), `${expected} exists`)
        return all
      }, 60_000, 500)
      // Every topic of the cluster: Kafka's, Connect's, the connectors' and the services'.
      const described = await topicCommand([])
      const factors = new Map([...described.matchAll(/^Topic: (\S+)\tTopicId: \S+\tPartitionCount: \d+\tReplicationFactor: (\d+)/gm)].map(m => [m[1]!, Number(m[2])]))
      for (const topic of topics) assert.ok(factors.has(topic), `${topic} described`)
      assert.deepEqual([...factors].filter(([, rf]) => rf !== 3), [], 'topics not replicated three times')
      // The broker's default, which every topic without its own setting takes (TopicCommand lists it).
      for (const topic of [USERS_TOPIC, POSTS_TOPIC]) assert.match(described, new RegExp(`^Topic: ${topic.replace(/\./g, '\\.')}\\t.*Configs: .*min\\.insync\\.replicas=2`, 'm'))
    } finally {
      await a.close()
    }
    const { connectUrls } = endpoints(cluster)
    const res = await connectFetch(worker(connectUrls[1]!), '/connectors?expand=status')
    const all = await res.json() as Record<string, { status: { tasks: { worker_id: string }[] } }>
    const workers = new Set(Object.values(all).flatMap(c => c.status.tasks.map(t => t.worker_id)))
    assert.equal(workers.size, 2, `tasks run on ${[...workers].join(', ')}`)
  })

  test('a broker SIGKILLed mid-burst: producers go on after the election, 0 records lost or doubled, every mail and notification once, its partitions back in sync after its restart', async t => {
    const run = randomBytes(4).toString('hex')
    const topic = `cluster-burst-${run}`
    const a = admin()
    await a.createTopics({ topics: [topic], partitions: 3, replicas: 3 }).finally(() => a.close())

    const users = await createUsers(5, 'cluster')
    const author = `cluster-author-${run}`
    const subscribers = [`cluster-sub-${run}-a`, `cluster-sub-${run}-b`]
    for (const s of subscribers) await subscribe(s, author)
    const dlqBefore = await recordsSoFar(USERS_DLQ)

    const RECORDS = 6000
    const UPDATES = 200
    const POSTS = 150
    const records = produceBurst(topic, RECORDS, 150)
    const updates = updateBurst(users, UPDATES, 5)
    const relay = cdcRelay()
    const posts: PostJson[] = []
    let postPaceMs = 200
    const postBurst = (async () => {
      for (let n = 0; n < POSTS; n++) {
        const post = await createPost(relay, author, `cluster ${run} ${n}`)
        assert.equal(post.status, 201, JSON.stringify(post.body))
        posts.push(post.body)
        await sleep(postPaceMs)
      }
    })()

    await whenAtLeast(async () => (await changeMailsOf(users)).length, UPDATES * 0.1)
    const victim = await busiestOtherNode([topic, USERS_TOPIC, POSTS_TOPIC, 'receiver-topic'])
    const killCalled = performance.now()
    await beforeFault()
    await mustRipple(['stop', victim.name, '--kill'])
    const killedAt = performance.now()
    // The broker is gone: most of each burst must still be to come.
    const inFlight = records.inFlight()
    const atKill = { records: records.acked(), updates: updates.sent, posts: posts.length }
    t.diagnostic(`the kill command took ${elapsed(killCalled)}`)
    t.diagnostic(`killed ${victim.name} (node ${victim.id}, leader of ${victim.led.join(', ')}); right after the kill: ${inFlight} records sent and not yet acknowledged; done by then: ${JSON.stringify(atKill)}`)
    assertInFlight('records acknowledged', atKill.records, RECORDS)
    assertInFlight('user updates made', atKill.updates, UPDATES)
    // The fault has hit: the rest of the user updates and posts need not wait for it.
    updates.perSecond = 30
    postPaceMs = 0
    const electedAfter = await eventually(async () => {
      const now = await leaders([topic, USERS_TOPIC, POSTS_TOPIC, 'receiver-topic'])
      const still = [...now].filter(([, leader]) => leader === victim.id || leader < 0)
      assert.deepEqual(still, [], 'partitions still led by the killed node')
      return elapsed(killedAt)
    }, 120_000, 100)

    await Promise.all([records.done, updates.done, postBurst])
    assert.deepEqual(records.failures, [], 'no acks=all send failed')

    const read = await readTopic(topic, records => records.length >= RECORDS, 120_000)
    const inLog = await recordsSoFar(topic)
    const seen = new Map<string, number>()
    for (const r of read) seen.set(r.value!, (seen.get(r.value!) ?? 0) + 1)
    const doubled = [...seen].filter(([, n]) => n > 1).length
    const byKey = new Map<string, number[]>()
    for (const r of read) byKey.set(r.key!, [...(byKey.get(r.key!) ?? []), Number(r.value!.split(':')[1])])
    const outOfOrder = [...byKey.values()].filter(seqs => seqs.some((s, i) => i > 0 && s <= seqs[i - 1]!)).length
    console.log(`cluster broker kill: ${victim.name} SIGKILLed with ${inFlight} records in flight; new leaders elected ${electedAfter} after the kill (broker.session.timeout.ms 9 s); records: sent=${RECORDS} in the log=${inLog} read=${read.length} distinct=${seen.size} doubled=${doubled} keys out of order=${outOfOrder}`)
    assert.equal(inLog, BigInt(RECORDS), 'the log holds each record once')
    assert.equal(seen.size, RECORDS, 'every record once')
    assert.equal(doubled, 0)
    assert.equal(outOfOrder, 0, 'every key in order')

    await assertEveryChangeMailedOnce('cluster broker kill (mails)', { users, total: UPDATES, restoredAt: killedAt, dlqBefore })
    // The notifications may still be on their way when the last mail is in: waited for, then counted exactly.
    await eventually(() => waitForNotifications(subscribers, POSTS), 180_000, 500)
    await assertExactlyOnce(subscribers, posts)

    const restartedAt = performance.now()
    await mustRipple(['up'])
    const rejoined = elapsed(restartedAt)
    await eventually(async () => assert.equal(await underReplicated(), 0, 'under-replicated partitions'), 180_000, 500)
    console.log(`cluster broker kill: ${victim.name} restarted by ./ripple up in ${rejoined}; under-replicated partitions back to 0 ${elapsed(restartedAt)} after the restart began`)
    await deleteUsers(users)
  })

  test('a Connect worker SIGKILLed mid-CDC: its tasks move to the other worker, 0 changes lost, every mail once', async t => {
    const { connectUrls } = endpoints(cluster)
    const users = await createUsers(5, 'cluster-connect')
    const dlqBefore = await recordsSoFar(USERS_DLQ)
    const UPDATES = 300
    const updates = updateBurst(users, UPDATES, 6)
    await whenAtLeast(async () => (await changeMailsOf(users)).length, UPDATES * 0.1)
    const victim = await eventually(async () => {
      const w = await workerOfTask(USER_CONNECTOR, connectUrls[0]!) ?? await workerOfTask(USER_CONNECTOR, connectUrls[1]!)
      assert.ok(w, `${USER_CONNECTOR}'s task is running`)
      return w
    }, 60_000, 500)
    const survivor = cluster.connectWorkers.find(w => w.name !== victim)!
    const survivorUrl = `http://${cluster.host}:${survivor.port}`
    const killCalled = performance.now()
    await beforeFault()
    await mustRipple(['stop', victim, '--kill'])
    const killedAt = performance.now()
    // The worker is gone, and its task with it: what is mailed now came through it; the rest is to come through the survivor.
    const mailedAtKill = (await changeMailsOf(users)).length
    assertInFlight('change mails', mailedAtKill, UPDATES)
    updates.perSecond = 30
    t.diagnostic(`killed ${victim} at ${new Date().toISOString()} (the command took ${elapsed(killCalled)}), which ran ${USER_CONNECTOR}'s task, with ${mailedAtKill} of ${UPDATES} changes mailed and ${updates.sent} made`)
    await eventually(async () => assert.equal(await workerOfTask(USER_CONNECTOR, survivorUrl), survivor.name, 'the task runs on the other worker'), 180_000, 250)
    const movedAfter = elapsed(killedAt)
    const state = await connectorState(worker(survivorUrl), USER_CONNECTOR)
    console.log(`cluster Connect kill: ${victim} SIGKILLed with ${UPDATES - mailedAtKill} changes not yet mailed; ${USER_CONNECTOR}'s task RUNNING on ${survivor.name} ${movedAfter} after the kill (seen at ${new Date().toISOString()}; Connect's session timeout 10 s, then scheduled.rebalance.max.delay.ms 10 s; connector ${state?.state})`)
    await updates.done
    await assertEveryChangeMailedOnce('cluster Connect kill (mails)', { users, total: UPDATES, restoredAt: killedAt, dlqBefore })
    await mustRipple(['up'])
    await deleteUsers(users)
  })

  test('two brokers down: acks=all sends fail instead of vanishing, the Kafka services report unhealthy, and all recovers with every change mailed once', async t => {
    const run = randomBytes(4).toString('hex')
    const topic = `cluster-quorum-${run}`
    const a = admin()
    await a.createTopics({ topics: [topic], partitions: 3, replicas: 3 }).finally(() => a.close())
    const users = await createUsers(3, 'cluster-quorum')
    const dlqBefore = await recordsSoFar(USERS_DLQ)
    const producer = createProducer({ brokers, sasl: stack.kafkaSasl, clientId: 'test-kafka-cluster-quorum' })
    await producer.send(['a', 'b', 'c'].map(key => ({ topic, key, value: 'before' })))

    const kafkaServices = ['notification-service', 'subscribe-service', 'processor', 'receiver']
    await mustRipple(['stop', 'kafka-2', 'kafka-3', '--kill'])
    const downAt = performance.now()
    // Each service's first unhealthy answer, watched from the kill on.
    const firstUnhealthy = new Map<string, { after: string, reason?: string }>()
    const watching = (async () => {
      while (firstUnhealthy.size < kafkaServices.length && performance.now() - downAt < 240_000) {
        for (const r of await statusRows()) {
          if (kafkaServices.includes(r.name) && !r.healthy && !firstUnhealthy.has(r.name)) firstUnhealthy.set(r.name, { after: elapsed(downAt), reason: r.reason })
        }
        await sleep(1000)
      }
    })()
    // Every key of the three partitions: each is led by a dead node or needs one for its second in-sync copy.
    const refusing = Promise.allSettled(['a', 'b', 'c', 'd', 'e', 'f'].map(key => producer.send({ topic, key, value: 'during' })))
      .then(results => ({ results, after: elapsed(downAt) }))
    const job = fetch(`http://${cluster.host}:${cluster.ports.receiver}/create/job`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      .then(async res => ({ status: res.status, body: await res.text(), after: elapsed(downAt) }))
    // Changes made meanwhile wait in MariaDB's binlog: Debezium cannot write them yet.
    const UPDATES = 30
    await updateBurst(users, UPDATES, 10).done
    const refused = await refusing
    const jobAnswer = await job
    await watching
    t.diagnostic(`sends with two brokers down: ${refused.results.map(r => r.status).join(', ')} after ${refused.after}; POST /create/job ${jobAnswer.status} after ${jobAnswer.after}`)
    for (const [name, seen] of firstUnhealthy) t.diagnostic(`${name} unhealthy ${seen.after} after the kill: ${seen.reason}`)
    console.log(`cluster two brokers down: acks=all sends failed after ${refused.after}, POST /create/job ${jobAnswer.status} after ${jobAnswer.after}; unhealthy after ${[...firstUnhealthy].map(([name, seen]) => `${name} ${seen.after}`).join(', ')}`)
    assert.ok(refused.results.every(r => r.status === 'rejected'), 'every acks=all send failed')
    assert.equal(jobAnswer.status, 503, jobAnswer.body)
    assert.deepEqual([...firstUnhealthy.keys()].sort(), [...kafkaServices].sort(), 'each service that uses Kafka reported itself unhealthy')

    const restoredAt = performance.now()
    await mustRipple(['up'])
    await producer.send({ topic, key: 'a', value: 'after' })
    await producer.close()
    // An error after acks=all means "not confirmed", not "not written": a refused record the leader
    // had appended becomes visible once its followers are back. Confirmed records are all there; a
    // refused one is there at most once.
    const inLog = Number(await recordsSoFar(topic))
    const read = await readTopic(topic, records => records.length >= inLog, 120_000)
    const values = read.map(r => `${r.key}:${r.value}`)
    for (const confirmed of ['a:before', 'b:before', 'c:before', 'a:after']) assert.equal(values.filter(v => v === confirmed).length, 1, `${confirmed} once`)
    const during = values.filter(v => v.endsWith(':during'))
    assert.equal(new Set(during).size, during.length, 'no refused record twice')
    console.log(`cluster two brokers down: of the 6 refused sends, ${during.length} were written after all (unconfirmed, not lost: consumers deduplicate), none twice`)
    await assertEveryChangeMailedOnce('cluster two brokers down (mails)', { users, total: UPDATES, restoredAt, dlqBefore })
    await eventually(async () => assert.equal(await underReplicated(), 0, 'under-replicated partitions'), 180_000, 500)
    // A member whose fetch failed while the leaders moved back says so for 30 s after: recovery converges.
    await eventually(async () => {
      const rows = await statusRows()
      assert.deepEqual(rows.filter(r => !r.healthy).map(r => `${r.name}: ${r.reason}`), [], 'everything healthy again')
    }, 120_000, 1000)
    console.log(`cluster two brokers down: restored, every change mailed once and 0 under-replicated ${elapsed(restoredAt)} after the restore began`)
    await deleteUsers(users)
  })
})

