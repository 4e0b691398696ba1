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
    assert.equal(await log.isProcessed('e-1'), true)
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
    assert.equal(await log.isProcessed('e-2'), false)
  })

  it('lets a later attempt claim afresh a mail whose claim was released', async () => {
    const [, second] = mails as [Mail, Mail]
    const refused = await log.claim('e-3', 1, second)
    await log.release('e-3', 1, refused.token)
    assert.equal((await log.claim('e-3', 1, second)).state, 'claimed')
  })
})
