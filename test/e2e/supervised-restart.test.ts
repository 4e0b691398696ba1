// Components come back by themselves: MariaDB, Kafka and PostgreSQL SIGKILLed in the middle of a burst and
// left to the supervisor (no ./ripple stop, no ./ripple up), as Compose's restart policy and
// Kubernetes would. Meanwhile the services answer 200 or 503, never 500; afterwards every change
// is mailed once, and Debezium goes on from its binlog position with no new snapshot.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { loadStackConfig, servicePort } from '@ripple/stack'
import { componentStatus, crashComponent, eventually, readTopic, restoreStack, stack, topicEndOffsets, unique } from '@ripple/testing'
import {
  NOTIFICATION_GROUP, USERS_DLQ, USERS_TOPIC, addressOf, assertEveryChangeMailedOnce, assertInFlight, changeMailsOf, createUsers, deleteUsers,
  describeTally, elapsed, mailsOf, pacedLanes, recordsSoFar, tally, updateBurst, updateOf, updatesThroughOutage, waitForLagZero, whenAtLeast
} from './faults.support.ts'
import { cdcRelay, createPost, notificationsOf, recordedNotifications, subscribe } from './outbox.support.ts'

// Only if a test failed half-way: a passing test leaves the stack as the supervisor brought it back.
after(restoreStack)

const config = loadStackConfig()

/** A Debezium change's operation, with or without the JSON converter's schema wrapper ({schema, payload}). */
function changeOp (value: string): string | undefined {
  const parsed = JSON.parse(value) as { op?: string, payload?: { op?: string } }
  return parsed.payload?.op ?? parsed.op
}

/** Waits until the supervisor has the component running again and healthy, under a new pid. */
async function backBySupervisor (name: string, killedPid: number, killedAt: number): Promise<{ after: string, restarts: number }> {
  return eventually(async () => {
    const row = (await componentStatus()).find(r => r.name === name)
    assert.ok(row?.healthy && row.pid !== killedPid, `${name}: ${JSON.stringify(row)}`)
    return { after: elapsed(killedAt), restarts: row.restarts ?? 0 }
  }, 180_000, 250)
}

test('MariaDB SIGKILLed and left to the supervisor: back with no command, every answer 200 or 503 (never 500), every 200 mailed once, no new snapshot', async t => {
  const TOTAL = 300
  const users = await createUsers(4, 'mariadb-crash')
  const welcomes = (await mailsOf(users)).filter(m => m.subject === 'Welcome to Ripple').length
  const dlqBefore = await recordsSoFar(USERS_DLQ)
  const from = await topicEndOffsets(USERS_TOPIC)
  const pace = { perSecond: 10 }
  const burst = updatesThroughOutage(users, TOTAL, pace)
  const { statuses, accepted, refused } = burst

  await whenAtLeast(async () => burst.answered, 20)
  const killedAt = performance.now()
  const pid = await crashComponent('mariadb')
  // Read once the process is gone: most of the burst must still be to come.
  const answeredAtKill = burst.answered
  t.diagnostic(`mariadbd (pid ${pid}) SIGKILLed with ${answeredAtKill} of ${TOTAL} updates answered`)
  assertInFlight('updates answered', answeredAtKill, TOTAL)
  const back = await backBySupervisor('mariadb', pid, killedAt)
  pace.perSecond = 40
  await burst.done
  await waitForLagZero(NOTIFICATION_GROUP, USERS_TOPIC)
  const lastMail = await whenAtLeast(async () => new Set((await changeMailsOf(users)).map(updateOf)).size, accepted.length, 180_000)
    .then(() => elapsed(killedAt))
  console.log(`supervised MariaDB: healthy again ${back.after} after the kill (restarts ${back.restarts}), every 200 mailed ${lastMail} after it; answers ${JSON.stringify(Object.fromEntries(statuses))}`)

  assert.ok(back.restarts >= 1, 'the supervisor counted the restart')
  assert.deepEqual([...statuses.keys()].filter(s => s !== 200 && s !== 503), [], 'only 200 and 503')
  const mails = await changeMailsOf(users)
  const result = tally(accepted.map(addressOf), mails.filter(m => accepted.map(addressOf).includes(updateOf(m) ?? '')), updateOf)
  t.diagnostic(describeTally(result))
  assert.deepEqual(result.missing, [], 'every 200 mailed')
  assert.deepEqual([...result.doubled.keys()], [], 'no update mailed twice')
  // A 503 whose commit reached the disk before the kill may be mailed too (the answer was lost, not the write): once at most.
  const inDoubt = mails.filter(m => refused.map(addressOf).includes(updateOf(m) ?? ''))
  assert.equal(new Set(inDoubt.map(updateOf)).size, inDoubt.length, 'a 503\'d update mailed at most once')
  assert.equal(await recordsSoFar(USERS_DLQ) - dlqBefore, 0n, 'nothing dead-lettered')
  // Debezium resumed from its binlog position: no snapshot read (op r) since the burst began, no second welcome mail.
  const events = await readTopic(USERS_TOPIC, records => records.length > 0, 60_000, from)
  const ops = events.flatMap(r => r.value ? [changeOp(r.value)] : [])
  assert.deepEqual(ops.filter(op => op === 'r'), [], 'no row read again by a snapshot')
  assert.equal((await mailsOf(users)).filter(m => m.subject === 'Welcome to Ripple').length, welcomes, 'no second welcome mail')
  // The JDBC sink into MariaDB held connections the crash cut: it checks each before use, so the next carga load still lands.
  const id = unique('after-mariadb-crash-')
  const load = await fetch(`http://${config.host}:${servicePort(config, 'carga-service')}/carga`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id, valor: 'depois' }) })
  assert.equal(load.status, 202, await load.text())
  await eventually(async () => {
    const conn = await mysql.createConnection(stack.mariadb)
    try {
      const [rows] = await conn.query('SELECT valor FROM carga.tabela WHERE id = ?', [id]) as unknown as [{ valor: string }[]]
      assert.equal(rows[0]?.valor, 'depois', 'the load reached MariaDB through the JDBC sink')
    } finally {
      await conn.end()
    }
  }, 120_000, 500)
  await deleteUsers(users)
})

test('MariaDB SIGKILLed under a burst of posts and left to the supervisor: every answer 201 or 503, every post committed before or after the kill delivered once to each subscriber', async t => {
  const TOTAL = 200
  const relay = cdcRelay()
  const author = unique('mariadb-crash-author-')
  const subscribers = [1, 2].map(i => `${author}-s${i}`)
  for (const s of subscribers) await subscribe(s, author)
  const titleOf = (n: number) => `${author} #${n}`
  const statuses = new Map<number, number>()
  const accepted: string[] = []
  const refused: string[] = []
  let answered = 0
  const pace = { perSecond: 10 }
  const burst = pacedLanes(TOTAL, pace, async n => {
    const { status, body } = await createPost(relay, author, titleOf(n))
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
    if (status === 201) accepted.push(titleOf(n))
    else if (status === 503) refused.push(titleOf(n))
    else assert.fail(`POST /posts #${n} answered ${status}: ${JSON.stringify(body)}`)
    answered++
  })

  await whenAtLeast(async () => answered, 20)
  const killedAt = performance.now()
  const pid = await crashComponent('mariadb')
  // Read once the process is gone. The posts committed last before the kill are in the binlog but
  // may not be read by Debezium yet: those are the ones the relay must still deliver after it.
  const answeredAtKill = answered
  const committedAtKill = accepted.length
  const deliveredAtKill = await recordedNotifications(subscribers)
  t.diagnostic(`mariadbd (pid ${pid}) SIGKILLed with ${answeredAtKill} of ${TOTAL} posts answered (${committedAtKill} committed), ${deliveredAtKill} of ${committedAtKill * subscribers.length} of their notifications recorded`)
  assertInFlight('posts answered', answeredAtKill, TOTAL)
  const back = await backBySupervisor('mariadb', pid, killedAt)
  pace.perSecond = 40
  await burst
  await eventually(async () => {
    for (const s of subscribers) {
      const titles = new Set((await notificationsOf(s)).map(n => n.post.title))
      assert.equal(accepted.filter(title => !titles.has(title)).length, 0, `${s}: every 201 post notified`)
    }
  }, 240_000, 500)
  console.log(`supervised MariaDB under posts: healthy again ${back.after} after the kill (restarts ${back.restarts}), every 201 post notified ${elapsed(killedAt)} after it; answers ${JSON.stringify(Object.fromEntries(statuses))}`)

  assert.ok(back.restarts >= 1, 'the supervisor counted the restart')
  assert.deepEqual([...statuses.keys()].filter(s => s !== 201 && s !== 503), [], 'only 201 and 503')
  for (const s of subscribers) {
    const mine = await notificationsOf(s)
    const byTitle = Map.groupBy(mine, n => n.post.title)
    assert.deepEqual([...byTitle].filter(([, list]) => list.length > 1).map(([title]) => title), [], `${s}: no post notified twice`)
    // A 503'd post whose commit reached the disk before the kill may be delivered (the answer was lost, not the write); nothing else may.
    const known = new Set([...accepted, ...refused])
    assert.deepEqual(mine.map(n => n.post.title).filter(title => !known.has(title)), [], `${s}: nothing but the burst's posts`)
    assert.deepEqual(accepted.filter(title => !byTitle.has(title)), [], `${s}: every 201 post delivered`)
  }
})

test('Kafka SIGKILLed and left to the supervisor: back with no command, every change mailed once, the group caught up', async t => {
  const TOTAL = 200
  const users = await createUsers(4, 'kafka-crash-supervised')
  const mailed = async () => (await changeMailsOf(users)).length
  const dlqBefore = await recordsSoFar(USERS_DLQ)
  const burst = updateBurst(users, TOTAL, 5)

  await whenAtLeast(mailed, 10)
  const killedAt = performance.now()
  const pid = await crashComponent('kafka')
  // Kafka is gone: nothing more is mailed until it is back, and most of the burst is still to come.
  const atKill = await mailed()
  t.diagnostic(`Kafka (pid ${pid}) SIGKILLed with ${atKill} of ${TOTAL} change mails sent, ${burst.sent} updates made`)
  assertInFlight('change mails', atKill, TOTAL)
  burst.perSecond = 30
  const back = await backBySupervisor('kafka', pid, killedAt)
  t.diagnostic(`Kafka healthy again ${back.after} after the kill (restarts ${back.restarts})`)
  assert.ok(back.restarts >= 1, 'the supervisor counted the restart')
  await burst.done
  // Lag 0 of notification-service's group is part of it: the group is back and has read everything.
  await assertEveryChangeMailedOnce('supervised Kafka', { users, total: TOTAL, restoredAt: killedAt, dlqBefore })
  await deleteUsers(users)
})

test('PostgreSQL (the carga source) SIGKILLed during carga loads and left to the supervisor: every load accepted, PostgreSQL and MariaDB end with each id\'s last valor, the replication slot kept and no new snapshot', async t => {
  const TOTAL = 300
  const IDS = 60
  const SLOT = 'carga_tabela'
  const CHANGES_TOPIC = 'carga.public.tabela'
  const base = `http://${config.host}:${servicePort(config, 'carga-service')}`
  const prefix = unique('pgcrash-')
  const ids = Array.from({ length: IDS }, (_, i) => `${prefix}-${i}`)
  const valorOf = (n: number) => `valor #${n} de ${ids[n % IDS]}`
  const expected = new Map(ids.map((id, i) => [id, valorOf(TOTAL - IDS + i)]))
  // A client per read: the crash breaks every open connection.
  const postgresRows = async () => {
    const client = new pg.Client({ ...stack.postgres, database: 'carga' })
    await client.connect()
    try {
      return new Map((await client.query<{ id: string, valor: string }>('SELECT id, valor FROM tabela WHERE id = ANY($1)', [ids])).rows.map(r => [r.id, r.valor]))
    } finally {
      await client.end()
    }
  }
  const mariadbRows = async () => {
    const conn = await mysql.createConnection({ ...stack.mariadb, charset: 'utf8mb4' })
    try {
      const [rows] = await conn.query('SELECT id, valor FROM carga.tabela WHERE id IN (?)', [ids]) as unknown as [{ id: string, valor: string }[]]
      return new Map(rows.map(r => [r.id, r.valor]))
    } finally {
      await conn.end()
    }
  }
  const slot = async () => {
    const client = new pg.Client({ ...stack.postgres, database: 'postgres' })
    await client.connect()
    try {
      return (await client.query<{ slot_name: string }>('SELECT slot_name FROM pg_replication_slots WHERE slot_name = $1', [SLOT])).rows.length
    } finally {
      await client.end()
    }
  }
  assert.equal(await slot(), 1, `Debezium's slot ${SLOT} exists before the crash`)
  const from = await topicEndOffsets(CHANGES_TOPIC)

  // Load n is id n % IDS's version n / IDS; each id's loads go one after the other, so its last 2xx is its last load.
  const pace = { perSecond: 10 }
  let accepted = 0
  // Pacing takes the loads in order: an id's next load (60 later) is never sent before its previous one was answered.
  const burst = pacedLanes(TOTAL, pace, async n => {
    const res = await fetch(`${base}/carga`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: ids[n % IDS], valor: valorOf(n) }) })
    // carga-service needs Kafka and Cassandra, not PostgreSQL: no load waits for it.
    assert.ok(res.status === 202 || res.status === 200, `POST /carga #${n}: ${res.status} ${await res.text()}`)
    accepted++
  })

  await whenAtLeast(async () => (await postgresRows()).size, 20)
  const killedAt = performance.now()
  const pid = await crashComponent('postgres')
  const acceptedAtKill = accepted
  t.diagnostic(`PostgreSQL (pid ${pid}) SIGKILLed with ${acceptedAtKill} of ${TOTAL} loads accepted`)
  assertInFlight('loads accepted', acceptedAtKill, TOTAL)
  const back = await backBySupervisor('postgres', pid, killedAt)
  pace.perSecond = 40
  await burst
  const same = async (rows: Map<string, string>) => ids.filter(id => rows.get(id) === expected.get(id)).length
  await whenAtLeast(async () => same(await postgresRows()), IDS, 180_000)
  const inPostgres = elapsed(killedAt)
  await whenAtLeast(async () => same(await mariadbRows()), IDS, 180_000)
  console.log(`supervised PostgreSQL: healthy again ${back.after} after the kill (restarts ${back.restarts}); every id's last valor in PostgreSQL ${inPostgres} and in MariaDB ${elapsed(killedAt)} after it`)

  assert.ok(back.restarts >= 1, 'the supervisor counted the restart')
  assert.equal(await slot(), 1, `the slot ${SLOT} outlived the crash`)
  assert.deepEqual([...await postgresRows()].filter(([id, valor]) => expected.get(id) !== valor), [], 'PostgreSQL: each id at its last valor')
  assert.deepEqual([...await mariadbRows()].filter(([id, valor]) => expected.get(id) !== valor), [], 'MariaDB: each id at its last valor')
  // Debezium went on from its slot: no snapshot read (op r) of the table since the loads began.
  const changes = await readTopic(CHANGES_TOPIC, records => records.length > 0, 60_000, from)
  const ops = changes.flatMap(r => r.value ? [changeOp(r.value)] : [])
  assert.deepEqual(ops.filter(op => op === 'r'), [], 'no row read again by a snapshot')
})
