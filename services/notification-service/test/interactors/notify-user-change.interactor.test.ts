import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { beforeEach, describe, it } from 'node:test'
import { canRetry as kitCanRetry } from '@ripple/kit'
import type { Mail } from '../../src/entities/mail.entity.ts'
import { MailDeliveryError } from '../../src/entities/notification.errors.ts'
import type { UserChange, UserSnapshot } from '../../src/entities/user-change.entity.ts'
import { makeNotifyUserChange, messageIdFor, planMails } from '../../src/interactors/notify-user-change.interactor.ts'
import { InMemorySentMailLog, RecordingMailer } from '../fakes/in-memory.ports.ts'

const ann: UserSnapshot = {
  id: '0f3c1d2e-4b5a-6978-8796-a5b4c3d2e1f0',
  email: 'ann@example.test',
  username: 'ann',
  fullName: 'Ann Smith',
  dateOfBirth: '1990-05-01',
  address: 'Old Street 1',
  status: 'Confirmed',
  createdAt: '2024-01-01',
  lastUpdated: '2024-01-01'
}
const changeLines = (text: string) => text.split('\n').filter(l => l.includes('→') || l.endsWith(': changed'))

describe('planMails', () => {
  it('an update of fullName and address: one mail naming exactly those two fields, old → new', () => {
    const after = { ...ann, fullName: 'Ann Jones', address: 'New Road 2', lastUpdated: '2024-06-01' }
    const mails = planMails({ kind: 'updated', before: ann, after })
    assert.equal(mails.length, 1)
    const [mail] = mails
    assert.equal(mail?.to, 'ann@example.test')
    assert.equal(mail?.kind, 'data-changed')
    assert.deepEqual(mail?.fields, ['fullName', 'address'])
    assert.deepEqual(changeLines(mail?.text ?? ''), ['  - Full name: Ann Smith → Ann Jones', '  - Address: Old Street 1 → New Road 2'])
  })

  it('an email change: the change mail to the new address, a notice to the old one', () => {
    const after = { ...ann, email: 'ann.new@example.test' }
    const mails = planMails({ kind: 'updated', before: ann, after })
    assert.deepEqual(mails.map(m => [m.kind, m.to]), [['data-changed', 'ann.new@example.test'], ['email-changed-notice', 'ann@example.test']])
    assert.deepEqual(changeLines(mails[0]?.text ?? ''), ['  - Email: ann@example.test → ann.new@example.test'])
    assert.match(mails[1]?.text ?? '', /ann\.new@example\.test/)
  })

  it('a create: a welcome mail', () => {
    const mails = planMails({ kind: 'created', after: ann })
    assert.deepEqual(mails.map(m => [m.kind, m.to]), [['welcome', 'ann@example.test']])
  })

  it('a delete: a goodbye mail to the address in before', () => {
    const mails = planMails({ kind: 'deleted', before: ann })
    assert.deepEqual(mails.map(m => [m.kind, m.to]), [['goodbye', 'ann@example.test']])
  })

  it('snapshot reads and truncates: nothing', () => {
    assert.deepEqual(planMails({ kind: 'ignored', reason: 'snapshot' }), [])
    assert.deepEqual(planMails({ kind: 'ignored', reason: 'truncate' }), [])
  })

  it('an update that only touched bookkeeping columns: nothing', () => {
    assert.deepEqual(planMails({ kind: 'updated', before: ann, after: { ...ann, lastUpdated: '2025-01-01' } }), [])
  })

  it('never prints a password or hash, even if the event carried one', () => {
    const before = { ...ann, password: '$2b$10$oldhasholdhash', passwordHash: 'old-secret' }
    const after = { ...ann, password: '$2b$10$newhashnewhash', passwordHash: 'new-secret', fullName: 'Ann J' }
    const [mail] = planMails({ kind: 'updated', before, after })
    assert.ok(mail)
    for (const secret of ['oldhash', 'newhash', 'old-secret', 'new-secret']) assert.ok(!mail.text.includes(secret), `mail shows ${secret}`)
    assert.deepEqual(changeLines(mail.text), ['  - Full name: Ann Smith → Ann J', '  - password: changed', '  - passwordHash: changed'])
  })
})

describe('notifyUserChange', () => {
  let mailer: RecordingMailer
  let sentMails: InMemorySentMailLog
  let resent: Mail[]
  let notify: ReturnType<typeof makeNotifyUserChange>
  const update: UserChange = { kind: 'updated', before: ann, after: { ...ann, email: 'ann.new@example.test' } }
  const sha256Id = (text: string) => `<${createHash('sha256').update(text).digest('hex')}@ripple.local>`
  const timeoutAfterData = () => new MailDeliveryError('Timeout', { outcome: 'maybe-sent' })

  beforeEach(() => {
    mailer = new RecordingMailer()
    sentMails = new InMemorySentMailLog()
    resent = []
    notify = makeNotifyUserChange({ mailer, sentMails, onResent: mail => resent.push(mail) })
  })

  it('sends the planned mails, each with a Message-ID from the event id and the mail kind, and records the event', async () => {
    const result = await notify('binlog:f:1:0', update)
    assert.equal(result.status, 'sent')
    assert.deepEqual(mailer.sent.map(m => m.to), ['ann.new@example.test', 'ann@example.test'])
    assert.deepEqual(mailer.sent.map(m => m.messageId), [sha256Id('binlog:f:1:0\ndata-changed'), sha256Id('binlog:f:1:0\nemail-changed-notice')])
    assert.equal(messageIdFor('binlog:f:1:0', 'data-changed'), mailer.sent[0]?.messageId, 'the same id in any process')
    assert.ok(sentMails.processed.has('binlog:f:1:0'))
    assert.deepEqual([...sentMails.rows.values()].map(r => r.status), ['sent', 'sent'])
    assert.deepEqual(resent, [])
  })

  it('a redelivered event mails nothing', async () => {
    await notify('e-1', update)
    assert.equal((await notify('e-1', update)).status, 'duplicate')
    assert.equal(mailer.sent.length, 2)
  })

  it('a confirmed mail is never sent again, even if the event was not recorded yet', async () => {
    // The first attempt sent and confirmed the change mail, then the notice failed: 4xx, certainly not sent.
    mailer.failures.push({ kind: 'email-changed-notice', error: new MailDeliveryError('421 try later', { outcome: 'not-sent' }) })
    await assert.rejects(notify('e-2', update), (e: unknown) => e instanceof MailDeliveryError && e.canRetry && e.code === 'SMTP_UNAVAILABLE')
    assert.deepEqual(mailer.sent.map(m => m.kind), ['data-changed'])
    assert.equal(sentMails.processed.has('e-2'), false)
    assert.equal(sentMails.rows.size, 1, 'the claim of the mail that did not go out was freed')

    const result = await notify('e-2', update)
    assert.deepEqual(mailer.attempts.map(m => m.kind), ['data-changed', 'email-changed-notice', 'email-changed-notice'])
    assert.deepEqual(result.resent, [], 'nothing that may have gone out was sent again')
    assert.deepEqual(resent, [])
    assert.ok(sentMails.processed.has('e-2'))
  })

  it('a claim an earlier process left pending is sent again, with the same Message-ID, and counted', async () => {
    // The earlier process claimed the change mail, handed it to the server and was killed before confirming.
    const [changeMail] = planMails(update)
    assert.ok(changeMail)
    await sentMails.claim('e-3', 0, changeMail)
    const earlier = messageIdFor('e-3', 'data-changed')

    const result = await notify('e-3', update)
    assert.equal(result.status, 'sent')
    assert.deepEqual(mailer.sent.map(m => [m.kind, m.messageId]), [['data-changed', earlier], ['email-changed-notice', messageIdFor('e-3', 'email-changed-notice')]])
    assert.deepEqual(resent.map(m => m.kind), ['data-changed'], 'only the mail that may have gone out counts as resent')
    assert.deepEqual(result.resent.map(m => m.kind), ['data-changed'])
    assert.ok(sentMails.processed.has('e-3'))
    assert.deepEqual([...sentMails.rows.values()].map(r => r.status), ['sent', 'sent'])
  })

  it('a timeout after DATA is retried with the same Message-ID and counted as a resend', async () => {
    mailer.failures.push({ kind: 'data-changed', error: timeoutAfterData(), afterData: true })
    await assert.rejects(notify('e-4', update), (e: unknown) => e instanceof MailDeliveryError && e.canRetry && e.code === 'SMTP_IN_DOUBT')
    assert.equal(sentMails.rows.get('e-4#0')?.status, 'pending', 'the claim stays: the mail may have gone out')

    await notify('e-4', update)
    const changeMails = mailer.sent.filter(m => m.kind === 'data-changed')
    assert.equal(changeMails.length, 2, 'the server got it twice')
    assert.deepEqual(new Set(changeMails.map(m => m.messageId)), new Set([messageIdFor('e-4', 'data-changed')]), 'both copies carry one Message-ID')
    assert.deepEqual(resent.map(m => m.kind), ['data-changed'])
    assert.ok(sentMails.processed.has('e-4'))
  })

  it('a resend that fails again keeps the claim pending, so the next attempt still counts it', async () => {
    mailer.failures.push({ kind: 'welcome', error: timeoutAfterData(), afterData: true })
    mailer.failures.push({ kind: 'welcome', error: new MailDeliveryError('connect ECONNREFUSED', { outcome: 'not-sent' }) })
    const created: UserChange = { kind: 'created', after: ann }
    await assert.rejects(notify('e-5', created))
    await assert.rejects(notify('e-5', created))
    assert.equal(sentMails.rows.get('e-5#0')?.status, 'pending')
    await notify('e-5', created)
    assert.deepEqual(resent.map(m => m.kind), ['welcome'])
    assert.equal(mailer.sent.length, 2)
  })

  it('a confirmation that failed after the server took the mail (database down) is retried without sending again', async () => {
    const created: UserChange = { kind: 'created', after: ann }
    const complete = sentMails.complete.bind(sentMails)
    let databaseDown = true
    sentMails.complete = async (eventId, sentSeq) => {
      if (databaseDown) throw new Error('connect ECONNREFUSED 127.0.0.1:5433')
      return await complete(eventId, sentSeq)
    }
    await assert.rejects(notify('e-8', created), /ECONNREFUSED/)
    assert.equal(mailer.sent.length, 1, 'the server took it once')
    assert.equal(sentMails.rows.get('e-8#0')?.status, 'pending')

    databaseDown = false
    const result = await notify('e-8', created)
    assert.equal(mailer.attempts.length, 1, 'the retry only confirmed')
    assert.deepEqual(result.resent, [])
    assert.equal(sentMails.rows.get('e-8#0')?.status, 'sent')
    assert.ok(sentMails.processed.has('e-8'))
  })

  it('another process finding that claim pending still sends it again: only this process knows the server took it', async () => {
    const created: UserChange = { kind: 'created', after: ann }
    const complete = sentMails.complete.bind(sentMails)
    sentMails.complete = async () => { throw new Error('connect ECONNREFUSED 127.0.0.1:5433') }
    await assert.rejects(notify('e-9', created))
    sentMails.complete = complete
    const restarted = makeNotifyUserChange({ mailer, sentMails, onResent: mail => resent.push(mail) })
    await restarted('e-9', created)
    assert.equal(mailer.sent.length, 2)
    assert.deepEqual(resent.map(m => m.kind), ['welcome'])
  })

  it('a permanent rejection is not retryable and frees its claim for a replay from the dead-letter topic', async () => {
    mailer.failures.push({ kind: 'welcome', error: new MailDeliveryError('550 no such mailbox', { outcome: 'rejected' }) })
    const error = await notify('e-6', { kind: 'created', after: ann }).catch((e: unknown) => e)
    assert.ok(error instanceof MailDeliveryError)
    assert.equal(error.canRetry, false)
    assert.equal(error.code, 'SMTP_REJECTED')
    assert.equal(kitCanRetry(error), false, 'the kit dead-letters it')
    assert.equal(sentMails.rows.size, 0)
    assert.equal(sentMails.processed.has('e-6'), false)
  })

  it('nothing to send: no claim, no inbox entry', async () => {
    assert.equal((await notify('e-7', { kind: 'ignored', reason: 'snapshot' })).status, 'nothing-to-send')
    assert.equal(sentMails.rows.size, 0)
    assert.equal(sentMails.processed.size, 0)
  })
})
