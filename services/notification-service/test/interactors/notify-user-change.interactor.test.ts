import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import { MailDeliveryError } from '../../src/entities/notification.errors.ts'
import type { UserChange, UserSnapshot } from '../../src/entities/user-change.entity.ts'
import { makeNotifyUserChange, planMails } from '../../src/interactors/notify-user-change.interactor.ts'
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
  let notify: ReturnType<typeof makeNotifyUserChange>
  const update: UserChange = { kind: 'updated', before: ann, after: { ...ann, email: 'ann.new@example.test' } }

  beforeEach(() => {
    mailer = new RecordingMailer()
    sentMails = new InMemorySentMailLog()
    notify = makeNotifyUserChange({ mailer, sentMails })
  })

  it('sends the planned mails with a Message-ID per event and mail, and records the event', async () => {
    const result = await notify('binlog:f:1:0', update)
    assert.equal(result.status, 'sent')
    assert.deepEqual(mailer.sent.map(m => m.to), ['ann.new@example.test', 'ann@example.test'])
    assert.deepEqual(mailer.sent.map(m => m.messageId), ['<binlog.f.1.0.0@notification-service.ripple>', '<binlog.f.1.0.1@notification-service.ripple>'])
    assert.ok(sentMails.processed.has('binlog:f:1:0'))
    assert.deepEqual([...sentMails.rows.values()].map(r => r.status), ['sent', 'sent'])
  })

  it('a redelivered event mails nothing', async () => {
    await notify('e-1', update)
    assert.equal((await notify('e-1', update)).status, 'duplicate')
    assert.equal(mailer.sent.length, 2)
  })

  it('a retry after a refused mail sends only what was not sent yet', async () => {
    mailer.failures.push({ kind: 'email-changed-notice', error: new MailDeliveryError('421 try later', { permanent: false }) })
    await assert.rejects(notify('e-2', update), MailDeliveryError)
    assert.deepEqual(mailer.sent.map(m => m.kind), ['data-changed'])
    assert.equal(sentMails.processed.has('e-2'), false)
    await notify('e-2', update)
    assert.deepEqual(mailer.sent.map(m => m.kind), ['data-changed', 'email-changed-notice'])
    assert.ok(sentMails.processed.has('e-2'))
  })

  it('does not resend a mail an earlier attempt claimed and never confirmed', async () => {
    // An earlier process claimed both mails, sent them (or not), and died before confirming.
    await sentMails.claim('e-3', planMails(update))
    const result = await notify('e-3', update)
    assert.equal(mailer.sent.length, 0)
    assert.equal(result.inDoubt.length, 2)
    assert.ok(sentMails.processed.has('e-3'))
  })

  it('nothing to send: no claim, no inbox entry', async () => {
    assert.equal((await notify('e-4', { kind: 'ignored', reason: 'snapshot' })).status, 'nothing-to-send')
    assert.equal(sentMails.rows.size, 0)
    assert.equal(sentMails.processed.size, 0)
  })
})
