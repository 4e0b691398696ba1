// Schema evolution on the real stack: a column added to userdata.users while a burst of user
// updates streams through CDC. Debezium learns the new column from the ALTER in the binlog, its
// events carry `after.nickname` from then on, and every reader of the topic takes them (the users
// contract's row is loose): every change is mailed once, nothing is dead-lettered by any group,
// and the contract check behind `./ripple kafka topic describe` finds the new records matching.
//
// No grant is made for the new column. The `debezium` account has SELECT only on the columns kept
// when `./ripple up` ran (grantCaptureReads), but streaming reads nothing from the table: the row
// images come whole from the binlog (REPLICATION SLAVE) and the column list from the parsed DDL, so
// the new column flows with no privilege on it. Only a snapshot (a new connector, a resnapshot, an
// incremental snapshot) SELECTs the table, naming its columns, and would be refused over the new
// one; the next `./ripple up` grants it, as it grants every kept column it finds. Granting it here
// would leave a stale column privilege behind once the column is dropped again, which MariaDB keeps.
import assert from 'node:assert/strict'
import { after, test } from 'node:test'
import mysql from 'mysql2/promise'
import { USERS_TOPIC, usersTopic } from '@ripple/contracts'
import { loadStackConfig } from '@ripple/stack'
import { readTopic, stack, topicEndOffsets } from '@ripple/testing'
import type { ReadRecord } from '@ripple/testing'
import { checkNewestRecords, conformance, describeConformance } from '@ripple/operations'
import { USERS_DLQ, assertEveryChangeMailedOnce, createUsers, deleteUsers, elapsed, recordsSoFar, updateBurst, waitForLagZero, whenAtLeast } from '../e2e/faults.support.ts'
import type { TestUsers } from '../e2e/faults.support.ts'

const config = loadStackConfig()
const TOTAL = 300
/** The ALTER comes once this many updates were made: in the burst, not before or after it. */
const ALTER_AFTER = 100

async function onUserdata (sql: string): Promise<void> {
  const conn = await mysql.createConnection({ ...stack.mariadb, database: 'userdata' })
  try {
    await conn.query(sql)
  } finally {
    await conn.end()
  }
}

const dropNickname = () => onUserdata('ALTER TABLE users DROP COLUMN IF EXISTS nickname')

let users: TestUsers | undefined
// The column goes again whatever happened, and before the users: the table is everyone's.
after(async () => {
  await dropNickname()
  if (users) await deleteUsers(users)
})

/** The test users' change events (Debezium keys them by the id in hex). */
function changesOf (records: ReadRecord[], of: TestUsers): ReadRecord[] {
  const ids = of.ids.map(id => id.replaceAll('-', '').toLowerCase())
  return records.filter(r => r.value !== null && ids.some(id => (r.key ?? '').toLowerCase().includes(id)))
}

const carriesNickname = (r: ReadRecord): boolean => {
  const event = JSON.parse(r.value!) as { after?: Record<string, unknown> | null }
  return event.after !== null && event.after !== undefined && 'nickname' in event.after
}

test(`ALTER TABLE userdata.users ADD COLUMN during ${TOTAL} updates: every change mailed, nothing dead-lettered, the new records match the contract`, async t => {
  // A run stopped before its after() left the column: start without it.
  await dropNickname()
  users = await createUsers(10, 'schema-evolution')
  const dlqBefore = await recordsSoFar(USERS_DLQ)
  const from = await topicEndOffsets(USERS_TOPIC)
  const started = performance.now()
  const burst = updateBurst(users, TOTAL, 30)

  await whenAtLeast(async () => burst.sent, ALTER_AFTER)
  await onUserdata('ALTER TABLE users ADD COLUMN nickname VARCHAR(40) NULL')
  t.diagnostic(`column added after ${burst.sent} of ${TOTAL} updates (${elapsed(started)})`)
  assert.ok(burst.sent < TOTAL, 'the ALTER came during the burst')
  await burst.done

  // Every group reading the topic (the mails, both revocation caches) is through it before the
  // dead-letter topic is counted: any of them would park a record its decoder refused.
  for (const { group } of usersTopic.consumers) await waitForLagZero(group, USERS_TOPIC)
  await assertEveryChangeMailedOnce('schema-evolution', { users, total: TOTAL, restoredAt: started, dlqBefore })

  const mine = changesOf(await readTopic(USERS_TOPIC, rs => changesOf(rs, users!).length >= TOTAL, 120_000, from), users)
  const withNickname = mine.filter(carriesNickname)
  t.diagnostic(`${withNickname.length} of ${mine.length} change events carry after.nickname`)
  assert.ok(withNickname.length > 0, 'Debezium streams the new column (no grant needed: it comes from the binlog)')
  assert.ok(withNickname.length < mine.length, 'the events before the ALTER lack it')

  // The contract check itself, on exactly the records with the new field…
  const asConsumed = withNickname.map(r => ({ ...r, offset: String(r.offset), timestamp: String(r.timestamp) }))
  const evolved = conformance(USERS_TOPIC, asConsumed)!
  assert.equal(evolved.checked, withNickname.length)
  assert.deepEqual(evolved.mismatches, [], describeConformance(evolved))
  // …and as `./ripple kafka topic describe` runs it, on the topic's newest records.
  const newest = await checkNewestRecords(config, USERS_TOPIC)
  assert.ok(newest && newest.checked > 0, 'the catalogue describes the users topic and its newest records were checked')
  assert.deepEqual(newest.mismatches, [], describeConformance(newest))
})
