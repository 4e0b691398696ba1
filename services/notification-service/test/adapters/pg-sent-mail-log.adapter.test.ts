import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLogger, openPostgresDatabase } from '@ripple/kit'
import type { Pool } from 'pg'
import { createPgSentMailLog } from '../../src/adapters/pg-sent-mail-log.adapter.ts'
import type { Mail } from '../../src/entities/mail.entity.ts'
import type { SentMailLog } from '../../src/ports/sent-mail-log.port.ts'
import { dropDatabase, serviceConfig, unique } from '../stack.helpers.ts'

const mails: Mail[] = [
  { kind: 'data-changed', to: 'new@x.test', subject: 'changed', text: '…', fields: ['email'] },
  { kind: 'email-changed-notice', to: 'old@x.test', subject: 'notice', text: '…', fields: ['email'] }
]

/** The pool, counting the statements sent through it. */
function counting (pool: Pool): { pool: Pool, statements: () => number } {
  let sent = 0
  const counted = new Proxy(pool, {
    get (target, property) {
      const value: unknown = Reflect.get(target, property, target)
      if (typeof value !== 'function') return value
      if (property !== 'query') return value.bind(target)
      return (...args: unknown[]) => { sent++; return value.apply(target, args) }
    }
  })
  return { pool: counted, statements: () => sent }
}

describe('PostgreSQL sent-mail log', () => {
  const database = unique('test_notification_log_')
  let pool: Pool
  let log: SentMailLog

  before(async () => {
    const config = serviceConfig({ TOPIC: 't', GROUP_ID: 'g', POSTGRES_DATABASE: database })
    const settings = { host: config.POSTGRES_HOST, port: config.POSTGRES_PORT, user: config.POSTGRES_USER, password: config.POSTGRES_PASSWORD, database }
    pool = await openPostgresDatabase(settings, createLogger('test', 'silent'))
    // A second start finds the database and tables in place.
    await (await openPostgresDatabase(settings, createLogger('test', 'silent'))).end()
    log = await createPgSentMailLog(pool)
    await createPgSentMailLog(pool)
  })
  after(async () => {
    await pool.end()
    await dropDatabase(database)
  })

  it('claims, confirms and completes an event; a redelivery finds it processed', async () => {
    const [first, second] = mails as [Mail, Mail]
    assert.equal((await log.claim('e-1', 0, first)).state, 'claimed')
    await log.markSent('e-1', 0)
    assert.equal((await log.claim('e-1', 1, second)).state, 'claimed')
    assert.equal(await log.complete('e-1', 1), 'processed')
    assert.equal((await log.claim('e-1', 0, first)).state, 'processed', 'a redelivery learns from its first claim that the event is done')
    assert.equal(await log.complete('e-1'), 'duplicate')
    const rows = await pool.query("SELECT seq, status, recipient, fields FROM sent_mails WHERE event_id = 'e-1' ORDER BY seq")
    assert.deepEqual(rows.rows, [
      { seq: 0, status: 'sent', recipient: 'new@x.test', fields: ['email'] },
      { seq: 1, status: 'sent', recipient: 'old@x.test', fields: ['email'] }
    ])
  })

  it('a claim an attempt never confirmed is taken over as pending; a confirmed one stays sent', async () => {
    const [first, second] = mails as [Mail, Mail]
    const crashed = await log.claim('e-2', 1, second)
    await log.claim('e-2', 0, first)
    await log.markSent('e-2', 0)
    assert.equal((await log.claim('e-2', 0, first)).state, 'sent')
    const takeover = await log.claim('e-2', 1, second)
    assert.equal(takeover.state, 'pending')
    // The crashed attempt's token no longer names the claim: a late release of it frees nothing.
    await log.release('e-2', 1, crashed.token)
    assert.equal((await log.claim('e-2', 1, second)).state, 'pending')
  })

  it('claims of many events made at once share a statement, and each caller gets its own row\'s answer', async () => {
    const [first, second] = mails as [Mail, Mail]
    // Before: f-0 done, f-1's mail confirmed, f-2's claim left pending, f-3 never seen.
    await log.claim('f-0', 0, first)
    await log.complete('f-0', 0)
    await log.claim('f-1', 0, first)
    await log.markSent('f-1', 0)
    await log.claim('f-2', 0, first)
    const counted = counting(pool)
    const batched = await createPgSentMailLog(counted.pool)
    const before = counted.statements()
    const answers = await Promise.all([
      batched.claim('f-0', 0, first), batched.claim('f-1', 0, first), batched.claim('f-2', 0, first), batched.claim('f-3', 0, first), batched.claim('f-3', 1, second)
    ])
    assert.deepEqual(answers.map(a => a.state), ['processed', 'sent', 'pending', 'claimed', 'claimed'])
    assert.equal(counted.statements() - before, 1, 'one statement for the five claims')
    // Completions of several events at once: each learns whether it was the one that recorded it.
    const completed = await Promise.all([log.complete('f-3', 1), log.complete('f-0'), log.complete('f-2', 0)])
    assert.deepEqual(completed, ['processed', 'duplicate', 'processed'])
    await log.markSent('f-3', 0)
    const rows = await pool.query("SELECT event_id, seq, status FROM sent_mails WHERE event_id LIKE 'f-%' ORDER BY event_id, seq")
    assert.deepEqual(rows.rows.map(r => `${r.event_id}#${r.seq} ${r.status}`), ['f-0#0 sent', 'f-1#0 sent', 'f-2#0 sent', 'f-3#0 sent', 'f-3#1 sent'])
  })

  it('a statement that fails fails every claim of its batch, and writes none of them', async () => {
    const [first] = mails as [Mail]
    // PostgreSQL text cannot hold NUL: the whole statement is refused.
    const results = await Promise.allSettled([log.claim('g-1', 0, first), log.claim('g-2', 0, { ...first, subject: 'nul \u0000 here' }), log.claim('g-3', 0, first)])
    assert.deepEqual(results.map(r => r.status), ['rejected', 'rejected', 'rejected'])
    assert.equal((await log.claim('g-1', 0, first)).state, 'claimed', 'the failed batch left no claim behind')
  })

  it('lets a later attempt claim afresh a mail whose claim was released', async () => {
    const [, second] = mails as [Mail, Mail]
    const refused = await log.claim('e-3', 1, second)
    await log.release('e-3', 1, refused.token)
    assert.equal((await log.claim('e-3', 1, second)).state, 'claimed')
  })
})
