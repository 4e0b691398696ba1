import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { test } from 'node:test'
import { execa } from 'execa'
import nodemailer from 'nodemailer'
import { endpoints, loadStackConfig } from '@ripple/stack'

test('a mail sent over SMTP shows up in ./ripple mail --json', async () => {
  const config = loadStackConfig()
  const to = `it-${randomUUID()}@example.test`
  const transport = nodemailer.createTransport({ ...endpoints(config).smtp, secure: false, ignoreTLS: true })
  await transport.sendMail({ from: 'ripple-test@example.test', to, subject: 'hello from the test', text: 'body text' })
  transport.close()

  const { stdout } = await execa(join(config.repoRoot, 'ripple'), ['mail', '--json', '--to', to])
  const mails = JSON.parse(stdout) as { to: string[], from: string, subject: string, text: string, date: string }[]
  const mine = mails.filter(m => m.to.includes(to))
  assert.equal(mails.length, 1, '--to keeps only that address')
  assert.equal(mine.length, 1)
  assert.equal(mine[0]?.from, 'ripple-test@example.test')
  assert.equal(mine[0]?.subject, 'hello from the test')
  assert.equal(mine[0]?.text.trim(), 'body text')
  assert.ok(!Number.isNaN(Date.parse(mine[0]?.date ?? '')))
})
