import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createSmtpMailer } from '../../src/adapters/smtp-mailer.adapter.ts'
import { MailDeliveryError } from '../../src/entities/notification.errors.ts'
import type { OutgoingMail } from '../../src/ports/mailer.port.ts'
import { privateSmtp } from '../private-smtp.ts'
import type { Reply } from '../private-smtp.ts'

const mail = (to: string): OutgoingMail => ({ kind: 'welcome', to, subject: 'Welcome', text: 'hello', fields: [], messageId: `<${to.replace('@', '.')}@ripple.local>` })

describe('SMTP mailer (a real SMTP session against a private server)', async () => {
  const replies = new Map<string, Reply>([
    ['rejected@x.test', { responseCode: 550, message: 'no such mailbox' }],
    ['later@x.test', { responseCode: 451, message: 'try again later' }],
    ['hang@x.test', 'hang']
  ])
  const smtp = await privateSmtp(received => replies.get(received.to[0] ?? '') ?? 'accept')
  const mailer = createSmtpMailer({ host: '127.0.0.1', port: smtp.port, from: 'Ripple <no-reply@ripple.local>', socketTimeoutMs: 500 })
  after(async () => {
    await mailer.close()
    await smtp.stop()
  })

  const failure = async (to: string) => {
    const error = await mailer.send(mail(to)).then(() => undefined, (e: unknown) => e)
    assert.ok(error instanceof MailDeliveryError, `sending to ${to} failed with a MailDeliveryError: ${String(error)}`)
    return error
  }

  it('sends the mail with the Message-ID it was given', async () => {
    await mailer.send(mail('ann@x.test'))
    assert.equal(smtp.received.find(m => m.to.includes('ann@x.test'))?.messageId, '<ann.x.test@ripple.local>')
  })

  it('a 5xx reply is final: not retryable', async () => {
    const error = await failure('rejected@x.test')
    assert.equal(error.outcome, 'rejected')
    assert.equal(error.canRetry, false)
  })

  it('a 4xx reply: certainly not sent, retryable', async () => {
    const error = await failure('later@x.test')
    assert.equal(error.outcome, 'not-sent')
    assert.equal(error.canRetry, true)
  })

  it('no reply to DATA until the socket times out: maybe sent, retryable', async () => {
    const error = await failure('hang@x.test')
    assert.ok(smtp.received.some(m => m.to.includes('hang@x.test')), 'the server had the mail')
    assert.equal(error.outcome, 'maybe-sent')
    assert.equal(error.code, 'SMTP_IN_DOUBT')
    assert.equal(error.canRetry, true)
  })

  it('a refused connection: certainly not sent, retryable, reported as an outage until a send succeeds', async () => {
    await smtp.stop()
    const error = await failure('bob@x.test')
    assert.equal(error.outcome, 'not-sent')
    assert.equal(error.canRetry, true)
    assert.match(mailer.outage() ?? '', /ECONNREFUSED|connect/i)
    await smtp.start()
    await mailer.send(mail('bob@x.test'))
    assert.equal(mailer.outage(), undefined)
  })
})
