import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import nodemailer from 'nodemailer'
import { startMailCapture } from '../src/mail-capture.server.ts'
import type { CapturedMail } from '../src/mail-capture.server.ts'

// The capture runs in this process: a client that makes it throw would end this test file.
const MAX_BYTES = 4096
const dir = mkdtempSync(join(tmpdir(), 'mail-capture-'))
const logged: string[] = []
let capture: Awaited<ReturnType<typeof startMailCapture>>

before(async () => {
  capture = await startMailCapture({
    host: '127.0.0.1', smtpPort: 0, apiPort: 0, storeFile: join(dir, 'mails.jsonl'),
    maxMessageBytes: MAX_BYTES, idleTimeoutMs: 500, log: line => { logged.push(line) }
  })
})
after(async () => {
  await capture.stop()
  rmSync(dir, { recursive: true, force: true })
})

const mailsTo = async (to: string): Promise<CapturedMail[]> => {
  const res = await fetch(`${capture.apiUrl}/mails?to=${encodeURIComponent(to)}`)
  return await res.json() as CapturedMail[]
}

const send = (to: string, text: string) => {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: capture.smtpPort, secure: false, ignoreTLS: true })
  return transport.sendMail({ from: 'sender@example.test', to, subject: `to ${to}`, text }).finally(() => transport.close())
}

/** A raw SMTP client: each call sends a line and waits for the reply that starts with `code`. */
async function rawSession (): Promise<{ socket: Socket, say: (line: string | null, code: string) => Promise<void> }> {
  const socket = connect({ host: '127.0.0.1', port: capture.smtpPort })
  let buffer = ''
  const waiters: { code: string, resolve: () => void }[] = []
  socket.setEncoding('utf8')
  socket.on('data', (chunk: string) => {
    buffer += chunk
    const waiter = waiters[0]
    if (waiter && new RegExp(`^${waiter.code} `, 'm').test(buffer)) {
      buffer = ''
      waiters.shift()
      waiter.resolve()
    }
  })
  const say = (line: string | null, code: string) => new Promise<void>((resolve, reject) => {
    waiters.push({ code, resolve })
    socket.once('error', reject)
    if (line !== null) socket.write(`${line}\r\n`)
  })
  await say(null, '220')
  return { socket, say }
}

test('a client that resets its connection in the middle of DATA leaves the capture running, and the next mail is captured', async () => {
  const { socket, say } = await rawSession()
  await say('EHLO reset.test', '250')
  await say('MAIL FROM:<reset@example.test>', '250')
  await say('RCPT TO:<victim@example.test>', '250')
  await say('DATA', '354')
  socket.write('Subject: cut short\r\n\r\nthe first half of a body that never')
  // RST instead of FIN (SO_LINGER 0): the server's read fails with ECONNRESET mid-transaction.
  await new Promise(resolve => setTimeout(resolve, 100))
  socket.resetAndDestroy()

  const to = 'after-reset@example.test'
  await send(to, 'still here')
  const mails = await mailsTo(to)
  assert.equal(mails.length, 1)
  assert.equal(mails[0]?.text.trim(), 'still here')
  assert.deepEqual(await mailsTo('victim@example.test'), [], 'the cut mail was not captured')
  assert.ok(logged.some(l => /ECONNRESET/.test(l)), `the reset reached the server: ${logged.join(' | ')}`)
})

test('a message over the size limit is refused with 552 and nothing is captured; the next one is', async () => {
  const big = 'oversized@example.test'
  await assert.rejects(send(big, 'x'.repeat(MAX_BYTES * 4)), (err: { responseCode?: number }) => {
    assert.equal(err.responseCode, 552)
    return true
  })
  assert.deepEqual(await mailsTo(big), [])
  const to = 'after-big@example.test'
  await send(to, 'small enough')
  assert.equal((await mailsTo(to)).length, 1)
})

test('an idle client is disconnected after the idle timeout, and the capture keeps serving', async () => {
  const { socket } = await rawSession()
  // The server closes on its own; this socket never sends anything after the greeting.
  await new Promise<void>((resolve, reject) => {
    const guard = setTimeout(() => reject(new Error('the idle connection was not closed')), 30_000)
    socket.once('close', () => { clearTimeout(guard); resolve() })
  })
  const to = 'after-idle@example.test'
  await send(to, 'hello')
  assert.equal((await mailsTo(to)).length, 1)
})

test('a restarted capture lists by recipient what it caught before, appends to the same store, and a clear empties both', async () => {
  const storeFile = join(dir, 'restart.jsonl')
  const start = () => startMailCapture({ host: '127.0.0.1', smtpPort: 0, apiPort: 0, storeFile, log: () => {} })
  const sendTo = (port: number, to: string, text: string) => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
    return transport.sendMail({ from: 'sender@example.test', to: [to, 'Both@Example.test'], subject: text, text }).finally(() => transport.close())
  }
  const list = async (url: string, to?: string) => await (await fetch(`${url}/mails${to === undefined ? '' : `?to=${encodeURIComponent(to)}`}`)).json() as CapturedMail[]

  const first = await start()
  await sendTo(first.smtpPort, 'one@example.test', 'first')
  await first.stop()
  const second = await start()
  try {
    await sendTo(second.smtpPort, 'two@example.test', 'second')
    assert.deepEqual((await list(second.apiUrl, 'one@example.test')).map(m => m.subject), ['first'])
    assert.deepEqual((await list(second.apiUrl, 'TWO@example.test')).map(m => m.subject), ['second'])
    assert.deepEqual((await list(second.apiUrl, 'both@example.test')).map(m => m.subject), ['first', 'second'], 'every recipient finds the mail, in the order caught')
    assert.deepEqual((await list(second.apiUrl)).map(m => m.subject), ['first', 'second'])
    assert.deepEqual(await (await fetch(`${second.apiUrl}/mails`, { method: 'DELETE' })).json(), { cleared: true })
    assert.deepEqual(await list(second.apiUrl, 'one@example.test'), [])
    await sendTo(second.smtpPort, 'three@example.test', 'third')
  } finally {
    await second.stop()
  }
  const third = await start()
  try {
    assert.deepEqual((await list(third.apiUrl)).map(m => m.subject), ['third'], 'the store holds what came after the clear, nothing before')
  } finally {
    await third.stop()
  }
})

test('a mail is listed as sent: decoded subject and text, lower-case addresses, its Message-ID and plain headers', async () => {
  const to = 'Decoded@Example.test'
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: capture.smtpPort, secure: false, ignoreTLS: true })
  await transport.sendMail({
    from: 'Ripple <No-Reply@Ripple.local>', to, subject: 'Grüße → changed', text: 'Hello Zoë,\n\n  - Address: Old Street 1 → New Road 2\n', messageId: '<abc.123@ripple.local>', headers: { 'X-Test-Marker': 'ünï' }
  }).finally(() => transport.close())
  const [mail] = await mailsTo('decoded@example.test')
  assert.ok(mail)
  assert.equal(mail.from, 'no-reply@ripple.local')
  assert.deepEqual(mail.to, ['decoded@example.test'])
  assert.equal(mail.subject, 'Grüße → changed')
  assert.equal(mail.text.trim(), 'Hello Zoë,\n\n  - Address: Old Street 1 → New Road 2')
  assert.equal(mail.messageId, '<abc.123@ripple.local>')
  assert.equal(mail.headers['message-id'], '<abc.123@ripple.local>')
  assert.equal(mail.headers.subject, 'Grüße → changed')
  assert.equal(mail.headers['x-test-marker'], 'ünï')
  assert.equal(mail.headers.to, undefined, 'addresses are fields of their own')
  assert.ok(!Number.isNaN(Date.parse(mail.date)))
})
