import { randomUUID } from 'node:crypto'
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import Fastify from 'fastify'
import { simpleParser } from 'mailparser'
import type { AddressObject } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface CapturedMail {
  id: string
  from: string
  to: string[]
  subject: string
  text: string
  date: string
  messageId?: string
  headers: Record<string, string>
}

export interface MailCaptureOptions {
  host: string
  smtpPort: number
  apiPort: number
  /** JSON-lines file so captured mail outlives a restart of the capture. */
  storeFile: string
}

function addresses (field: AddressObject | AddressObject[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field]
  return list.flatMap(a => a.value).map(v => (v.address ?? '').toLowerCase()).filter(Boolean)
}

/**
 * An SMTP server that accepts every mail and keeps it, plus an HTTP API to list and clear
 * what it caught (GET/DELETE /mails). It stands in for a real mail relay in development and tests.
 */
export async function startMailCapture (options: MailCaptureOptions) {
  mkdirSync(dirname(options.storeFile), { recursive: true })
  const mails: CapturedMail[] = existsSync(options.storeFile)
    ? readFileSync(options.storeFile, 'utf8').split('\n').filter(Boolean).map(line => JSON.parse(line) as CapturedMail)
    : []

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 10 * 1024 * 1024,
    onData (stream, session, callback) {
      simpleParser(stream).then(parsed => {
        const headerTo = addresses(parsed.to)
        const mail: CapturedMail = {
          id: randomUUID(),
          from: addresses(parsed.from)[0] ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : ''),
          to: headerTo.length > 0 ? headerTo : session.envelope.rcptTo.map(r => r.address.toLowerCase()),
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          date: new Date().toISOString(),
          messageId: parsed.messageId,
          headers: Object.fromEntries([...parsed.headers].filter(([, v]) => typeof v === 'string') as [string, string][])
        }
        // Persisted before the 250 reply, so a mail the sender saw accepted is never lost.
        appendFileSync(options.storeFile, JSON.stringify(mail) + '\n')
        mails.push(mail)
        callback()
      }, (err: Error) => callback(err))
    }
  })

  const api = Fastify({ logger: false })
  api.get('/health', async () => ({ ok: true, mails: mails.length }))
  api.get<{ Querystring: { to?: string } }>('/mails', async req => {
    const to = req.query.to?.toLowerCase()
    return to ? mails.filter(m => m.to.includes(to)) : mails
  })
  api.delete('/mails', async () => {
    mails.length = 0
    writeFileSync(options.storeFile, '')
    return { cleared: true }
  })

  await new Promise<void>((resolve, reject) => {
    smtp.once('error', reject)
    smtp.listen(options.smtpPort, options.host, () => { smtp.off('error', reject); resolve() })
  })
  await api.listen({ host: options.host, port: options.apiPort })

  return {
    smtpPort: (smtp.server.address() as { port: number }).port,
    apiUrl: `http://${options.host}:${(api.server.address() as { port: number }).port}`,
    async stop () {
      await api.close()
      await new Promise<void>(resolve => smtp.close(() => resolve()))
    }
  }
}
