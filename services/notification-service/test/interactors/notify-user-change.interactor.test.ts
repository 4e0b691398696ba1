import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { beforeEach, describe, it } from 'node:test'
import { canRetry as kitCanRetry } from '@ripple/kit'
import type { Mail } from '../../src/entities/mail.entity.ts'
import { MailDeliveryError } from '../../src/entities/notification.errors.ts'
import type { UserChange, UserSnapshot } from '../../src/entities/user-change.entity.ts'
import { confirmationTarget, makeNotifyUserChange, messageIdFor, planMails } from '../../src/interactors/notify-user-change.interactor.ts'
import { InMemorySentMailLog, RecordingLinks, RecordingMailer } from '../fakes/in-memory.ports.ts'

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
const LINK = 'http://127.0.0.1:8085/users/confirm?token=t0k3n'
const newcomer: UserSnapshot = { ...ann, status: 'Unconfirmed', passwordChangedAt: null }
// A control character anywhere but the line breaks the mail's own text puts there.
const foreignControl = (text: string) => /[\p{Cc}\u2028\u2029]/u.exec(text.replaceAll('\n', ''))?.[0]

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

describe('planMails: confirmation, password notice, control characters', () => {
  it('a new Unconfirmed user: the welcome mail carries the confirmation link, for their address', () => {
    const change: UserChange = { kind: 'created', after: newcomer }
    assert.deepEqual(confirmationTarget(change), { userId: ann.id, email: 'ann@example.test' })
    const [welcome, ...rest] = planMails(change, LINK)
    assert.deepEqual(rest, [])
    assert.equal(welcome?.kind, 'welcome')
    assert.equal(welcome?.subject, 'Welcome to Ripple')
    assert.ok(welcome?.text.split('\n').includes(LINK), 'the link on a line of its own')
    assert.throws(() => planMails(change), /confirmation link/, 'never a welcome without its link')
  })

  it('a new user already Confirmed: a welcome without a link', () => {
    const change: UserChange = { kind: 'created', after: ann }
    assert.equal(confirmationTarget(change), undefined)
    assert.doesNotMatch(planMails(change)[0]?.text ?? '', /confirm/i)
  })

  it('an address change (status back to Unconfirmed): a new link to the new address only, a notice without it to the old one', () => {
    const after = { ...ann, email: 'ann.new@example.test', status: 'Unconfirmed', fullName: 'Ann Jones' }
    const change: UserChange = { kind: 'updated', before: ann, after }
    assert.deepEqual(confirmationTarget(change), { userId: ann.id, email: 'ann.new@example.test' })
    const mails = planMails(change, LINK)
    assert.deepEqual(mails.map(m => [m.kind, m.to]), [['email-confirmation', 'ann.new@example.test'], ['email-changed-notice', 'ann@example.test']])
    const [confirm, notice] = mails
    assert.ok(confirm?.text.split('\n').includes(LINK))
    assert.deepEqual(changeLines(confirm?.text ?? ''), ['  - Email: ann@example.test → ann.new@example.test', '  - Full name: Ann Smith → Ann Jones'], 'the status is explained by the link, not listed')
    assert.deepEqual(confirm?.fields, ['email', 'fullName'])
    assert.ok(!notice?.text.includes('token'), 'the old address never gets the link')
    assert.match(notice?.text ?? '', /changed from ann@example\.test to ann\.new@example\.test/)
  })

  it('Unconfirmed → Confirmed: only "your address is confirmed"', () => {
    const mails = planMails({ kind: 'updated', before: newcomer, after: { ...newcomer, status: 'Confirmed', lastUpdated: '2025-01-01' } })
    assert.deepEqual(mails.map(m => [m.kind, m.to, m.subject]), [['email-confirmed', 'ann@example.test', 'Your Ripple email address is confirmed']])
    assert.match(mails[0]?.text ?? '', /your email address ann@example\.test is confirmed/)
  })

  it('Confirmed → Unconfirmed without an address change is listed like any change', () => {
    const mails = planMails({ kind: 'updated', before: ann, after: { ...ann, status: 'Unconfirmed' } })
    assert.deepEqual(mails.map(m => m.kind), ['data-changed'])
    assert.deepEqual(changeLines(mails[0]?.text ?? ''), ['  - Status: Confirmed → Unconfirmed'])
  })

  it('passwordChangedAt moved (the only change of a password PATCH): "your password was changed at <time>", naming no secret', () => {
    const before = { ...ann, passwordChangedAt: null }
    const after = { ...ann, passwordChangedAt: '2026-11-30T09:15:00.123Z', lastUpdated: '2026-11-30T09:15:00.123Z' }
    const mails = planMails({ kind: 'updated', before, after })
    assert.deepEqual(mails.map(m => [m.kind, m.to, m.subject]), [['password-changed', 'ann@example.test', 'The password of your Ripple account was changed']])
    assert.match(mails[0]?.text ?? '', /the password of your Ripple account was changed at 2026-11-30T09:15:00\.123Z\./)
    assert.deepEqual(mails[0]?.fields, ['passwordChangedAt'])
    // A second change later mails again; the same value again (a replay of the row) does not.
    assert.deepEqual(planMails({ kind: 'updated', before: after, after: { ...after, passwordChangedAt: '2026-12-01T00:00:00.000Z' } }).map(m => m.kind), ['password-changed'])
    assert.deepEqual(planMails({ kind: 'updated', before: after, after }), [])
  })

  it('a password change with other data: the change list never names passwordChangedAt; the old address hears of both', () => {
    const after = { ...ann, fullName: 'Ann J', passwordChangedAt: '2026-11-30T09:15:00.000Z' }
    const mails = planMails({ kind: 'updated', before: { ...ann, passwordChangedAt: '2025-01-01T00:00:00.000Z' }, after })
    assert.deepEqual(mails.map(m => m.kind), ['data-changed', 'password-changed'])
    assert.deepEqual(changeLines(mails[0]?.text ?? ''), ['  - Full name: Ann Smith → Ann J'])

    const moved = { ...after, email: 'ann.new@example.test', status: 'Unconfirmed' }
    const withAddress = planMails({ kind: 'updated', before: ann, after: moved }, LINK)
    assert.deepEqual(withAddress.map(m => [m.kind, m.to]), [['email-confirmation', 'ann.new@example.test'], ['email-changed-notice', 'ann@example.test'], ['password-changed', 'ann.new@example.test']])
    assert.match(withAddress[1]?.text ?? '', /password was changed/)
  })

  it('control characters in user-supplied values are written out: no value starts a line or fakes text', () => {
    const evil = {
      ...ann,
      fullName: 'Eve\r\n\r\nYour account is locked. Call +1 555 0100\u0000',
      username: 'eve\u001b[2J',
      address: 'Road 1\u0085Bcc: x@evil.test\u2028P.S.',
      status: 'Unconfirmed',
      passwordChangedAt: null
    }
    const after = { ...evil, address: 'Road 2\nSubject: hi', passwordChangedAt: '2026-11-30T09:15:00.000Z\r\nX: y', email: 'eve.new@example.test' }
    const mails = [
      ...planMails({ kind: 'created', after: evil }, LINK),
      ...planMails({ kind: 'updated', before: evil, after }, LINK),
      ...planMails({ kind: 'updated', before: { ...ann, status: 'Unconfirmed', fullName: evil.fullName }, after: { ...ann, fullName: evil.fullName } }),
      ...planMails({ kind: 'deleted', before: evil })
    ]
    assert.deepEqual(mails.map(m => m.kind), ['welcome', 'email-confirmation', 'email-changed-notice', 'password-changed', 'email-confirmed', 'goodbye'])
    for (const mail of mails) {
      assert.doesNotMatch(mail.subject, /[\p{Cc}\u2028\u2029]/u, `${mail.kind} subject`)
      assert.equal(foreignControl(mail.text), undefined, `${mail.kind} body`)
      for (const faked of ['Your account is locked', 'Bcc:', 'Subject:', 'X: y', 'P.S.']) {
        assert.ok(!mail.text.split('\n').some(l => l.startsWith(faked)), `${mail.kind}: a line starts with ${faked}`)
      }
      assert.match(mail.text, /^Hello Eve\\u000d\\u000a\\u000d\\u000aYour account is locked\. Call \+1 555 0100\\u0000,$/m, `${mail.kind}: the name, escaped, on the greeting line`)
    }
    assert.ok(mails[1]?.text.includes('  - Address: Road 1\\u0085Bcc: x@evil.test\\u2028P.S. → Road 2\\u000aSubject: hi'))
    assert.ok(mails[0]?.text.includes('the username eve\\u001b[2J'))
  })
})

describe('notifyUserChange', () => {
  let mailer: RecordingMailer
  let sentMails: InMemorySentMailLog
  let resent: Mail[]
  let links: RecordingLinks
  let notify: ReturnType<typeof makeNotifyUserChange>
  const update: UserChange = { kind: 'updated', before: ann, after: { ...ann, email: 'ann.new@example.test' } }
  const sha256Id = (text: string) => `<${createHash('sha256').update(text).digest('hex')}@ripple.local>`
  const timeoutAfterData = () => new MailDeliveryError('Timeout', { outcome: 'maybe-sent' })

  beforeEach(() => {
    mailer = new RecordingMailer()
    sentMails = new InMemorySentMailLog()
    resent = []
    links = new RecordingLinks()
    notify = makeNotifyUserChange({ mailer, sentMails, links, onResent: mail => resent.push(mail) })
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
    const restarted = makeNotifyUserChange({ mailer, sentMails, links, onResent: mail => resent.push(mail) })
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
  it('a new Unconfirmed user: the link is minted for their id and address and mailed in the welcome', async () => {
    await notify('e-10', { kind: 'created', after: newcomer })
    assert.deepEqual(links.made, [{ userId: ann.id, email: 'ann@example.test' }])
    assert.deepEqual(mailer.sent.map(m => [m.kind, m.to]), [['welcome', 'ann@example.test']])
    assert.ok(mailer.sent[0]?.text.includes('http://users.test/users/confirm?token=1-ann%40example.test'))
  })

  it('an address change with a password change: three mails, each once, each with its own Message-ID', async () => {
    const change: UserChange = { kind: 'updated', before: ann, after: { ...ann, email: 'ann.new@example.test', status: 'Unconfirmed', passwordChangedAt: '2026-11-30T09:15:00.000Z' } }
    await notify('e-11', change)
    assert.equal((await notify('e-11', change)).status, 'duplicate')
    assert.deepEqual(mailer.sent.map(m => [m.kind, m.to]), [['email-confirmation', 'ann.new@example.test'], ['email-changed-notice', 'ann@example.test'], ['password-changed', 'ann.new@example.test']])
    assert.equal(new Set(mailer.sent.map(m => m.messageId)).size, 3)
    assert.deepEqual(links.made, [{ userId: ann.id, email: 'ann.new@example.test' }, { userId: ann.id, email: 'ann.new@example.test' }], 'the redelivery minted a link it never sent')
    assert.ok(sentMails.processed.has('e-11'))
  })

  it('a link is minted afresh when a pending welcome is sent again: same Message-ID, a working link', async () => {
    mailer.failures.push({ kind: 'welcome', error: timeoutAfterData(), afterData: true })
    await assert.rejects(notify('e-12', { kind: 'created', after: newcomer }))
    await notify('e-12', { kind: 'created', after: newcomer })
    assert.equal(mailer.sent.length, 2)
    assert.equal(mailer.sent[0]?.messageId, mailer.sent[1]?.messageId)
    assert.ok(mailer.sent[1]?.text.includes('token=2-'))
  })
})
