// When the source's log is gone: Connect is down while changes are made, and MariaDB's binary logs
// are purged past every connector's position. `./ripple up` then names the cause and the way out,
// `./ripple kafka connector resnapshot` brings each source back, and the replay is absorbed by the
// consumers' inboxes: nothing already mailed or notified goes out twice.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import mysql from 'mysql2/promise'
import type { RowDataPacket } from 'mysql2/promise'
import { eventually, readTopic, restoreStack, stack, stopComponents, topicEndOffsets, unique } from '@ripple/testing'
import {
  USERS_DLQ, USERS_TOPIC, addressOf, authorization, changeMailsOf, createUsers, deleteUsers, mailsOf, recordsSoFar, ripple, updateOf, usersUrl
} from './faults.support.ts'
import { cdcRelay, createPost, notificationsOf, subscribe } from './outbox.support.ts'

const USER_SOURCE = 'mysql-debezium-cdc-source-user'
const OUTBOX_SOURCE = 'outbox-connector'
const MARIADB_SOURCES = [USER_SOURCE, OUTBOX_SOURCE, 'inventory-categories-source']

interface ConnectorJson { name: string, state: string, tasks: { id: number, state: string, trace?: string }[] }

async function connectorStates (): Promise<ConnectorJson[]> {
  const listed = await ripple(['kafka', 'connectors', '--json'])
  return JSON.parse(String(listed.stdout)) as ConnectorJson[]
}

const positionLost = (c: ConnectorJson) => c.tasks.some(task => task.state === 'FAILED' && /no longer available on the server|Could not find GTID state requested/i.test(task.trace ?? ''))

// Only if the test failed half-way: a source left without its place would fail every later file's mails.
after(async () => {
  for (const c of (await connectorStates()).filter(positionLost)) await ripple(['kafka', 'connector', 'resnapshot', c.name])
  await restoreStack()
})

const update = async (users: Awaited<ReturnType<typeof createUsers>>, i: number, n: number) => {
  const res = await fetch(`${usersUrl}/${users.ids[i]}`, { method: 'PATCH', headers: authorization(users, i), body: JSON.stringify({ address: addressOf(n) }) })
  assert.equal(res.status, 200, await res.text())
}

/** Rotates MariaDB's binary log and purges every file before the new one, as a retention policy would. */
async function purgeBinaryLogs (): Promise<string> {
  const conn = await mysql.createConnection(stack.mariadb)
  try {
    await conn.query('FLUSH BINARY LOGS')
    const [logs] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS')
    const newest = String(logs.at(-1)?.Log_name)
    // MariaDB skips a file a binlog dump thread still reads: the stopped Connect's connections may take a moment to go.
    await eventually(async () => {
      await conn.query('PURGE BINARY LOGS TO ?', [newest])
      const [left] = await conn.query<RowDataPacket[]>('SHOW BINARY LOGS')
      assert.deepEqual(left.map(l => String(l.Log_name)), [newest], 'only the newest binary log is left')
    }, 60_000, 1000)
    return newest
  } finally {
    await conn.end()
  }
}

test('MariaDB\'s binary logs purged past the connectors\' position while Connect was down: up names the cause and resnapshot, which brings each source back with nothing mailed or notified twice', async t => {
  const users = await createUsers(2, 'binlog-purged')
  const author = unique('binlog-purged-author-')
  const subscriber = `${author}-s1`
  await subscribe(subscriber, author)
  // Before: one change per user mailed, two posts notified.
  await update(users, 0, 0)
  await update(users, 1, 1)
  for (const n of [0, 1]) assert.equal((await createPost(cdcRelay(), author, `${author} #${n}`)).status, 201)
  await eventually(async () => {
    assert.equal((await changeMailsOf(users)).length, 2, 'the changes before the outage mailed')
    assert.equal((await notificationsOf(subscriber)).length, 2, 'the posts before the outage notified')
  }, 120_000, 250)
  const dlqBefore = await recordsSoFar(USERS_DLQ)

  await stopComponents(['connect'])
  // Made while Connect is down, then purged with the log: no connector will ever read them as changes.
  await update(users, 0, 2)
  await update(users, 1, 3)
  const kept = await purgeBinaryLogs()
  t.diagnostic(`binary logs purged up to ${kept}`)

  // Connect comes back and each source starts; its binlog reader is refused a few seconds later
  // (MariaDB's error 1236), so this `up` may still see them RUNNING. The listing then says why.
  await ripple(['up'])
  const lost = await eventually(async () => {
    const states = await connectorStates()
    const failed = states.filter(c => MARIADB_SOURCES.includes(c.name) && positionLost(c))
    for (const source of [USER_SOURCE, OUTBOX_SOURCE]) {
      assert.ok(failed.some(c => c.name === source), `${source} has not failed yet: ${JSON.stringify(states.map(c => [c.name, c.state, c.tasks.map(task => task.state)]))}`)
    }
    return failed.map(c => c.name)
  }, 120_000, 1000)
  const listed = await ripple(['kafka', 'connectors'])
  assert.match(String(listed.all), new RegExp(`its place in the source's log is gone: \\./ripple kafka connector resnapshot ${USER_SOURCE}`))
  // up no longer restarts such a source (it would fail again on the same error): it stops and names the way out.
  const refused = await ripple(['up'])
  assert.notEqual(refused.exitCode, 0, 'up cannot bring back a source whose place in the log is gone')
  assert.match(String(refused.all), /lost its place in the source database's log.*\.\/ripple kafka connector resnapshot/s, 'up names the cause and the way out')
  t.diagnostic(`lost their place: ${lost.join(', ')}`)

  const from = await topicEndOffsets(USERS_TOPIC)
  for (const name of lost) {
    const res = await ripple(['kafka', 'connector', 'resnapshot', name])
    assert.equal(res.exitCode, 0, String(res.all))
  }
  const again = await ripple(['up'])
  assert.equal(again.exitCode, 0, String(again.all))

  // The snapshot brings the rows' current state, the purged changes included, as reads (op r).
  // The topic carries a user's id as 32 hex digits (the column is BINARY(16)); the API spells it as a UUID.
  const hexId = (id: string) => id.replaceAll('-', '').toLowerCase()
  const readsOf = (records: { value?: string | null }[]) => records.flatMap(r => {
    const change = r.value ? JSON.parse(r.value) as { op?: string, after?: { id?: string, address?: string } } : {}
    return change.op === 'r' && change.after?.id ? [change.after as { id: string, address?: string }] : []
  })
  const snapshot = readsOf(await readTopic(USERS_TOPIC, records => users.ids.every(id => readsOf(records).some(row => row.id === hexId(id))), 120_000, from))
  for (const [i, address] of [[0, addressOf(2)], [1, addressOf(3)]] as const) {
    assert.equal(snapshot.find(row => row.id === hexId(users.ids[i]!))?.address, address, `user ${i}'s snapshot row carries its current address`)
  }
  // Streaming goes on after the snapshot: a change now is mailed, and a post now is notified.
  await update(users, 0, 4)
  assert.equal((await createPost(cdcRelay(), author, `${author} #2`)).status, 201)
  await eventually(async () => {
    assert.ok((await changeMailsOf(users)).some(m => updateOf(m) === addressOf(4)), 'the change after the resnapshot mailed')
    assert.equal((await notificationsOf(subscriber)).length, 3, 'the post after the resnapshot notified')
  }, 180_000, 500)

  // Nothing twice: the snapshot's reads send no mail, and the outbox's replay is absorbed by subscribe-service's inbox.
  const changes = (await changeMailsOf(users)).map(updateOf).sort()
  assert.deepEqual(changes, [addressOf(0), addressOf(1), addressOf(4)], 'each streamed change mailed once; the purged changes arrive only as current state')
  assert.equal((await mailsOf(users)).filter(m => m.subject === 'Welcome to Ripple').length, 2, 'no second welcome mail')
  const titles = (await notificationsOf(subscriber)).map(n => n.post.title).sort()
  assert.deepEqual(titles, [0, 1, 2].map(n => `${author} #${n}`), 'each post notified once')
  assert.equal(await recordsSoFar(USERS_DLQ) - dlqBefore, 0n, 'nothing dead-lettered')
  await deleteUsers(users)
})
