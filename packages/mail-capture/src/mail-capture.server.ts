import { randomUUID } from 'node:crypto'
import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { dirname } from 'node:path'
import Fastify from 'fastify'
import PostalMime, { decodeWords } from 'postal-mime'
import type { Address } from 'postal-mime'
import { SMTPServer } from 'smtp-server'
import type { SMTPServerSession } from 'smtp-server'

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
  /** Larger messages are refused with 552 (and never held in memory past this). Default 10 MiB. */
  maxMessageBytes?: number
  /** A client silent this long is disconnected, so half-open connections do not pile up. Default 60 s. */
  idleTimeoutMs?: number
  /** Where client and connection errors go; they never end the server. */
  log?: (line: string) => void
}

const DEFAULT_MAX_MESSAGE_BYTES = 10 * 1024 * 1024

/** An SMTP reply error: smtp-server answers with its responseCode instead of a generic 450. */
function smtpError (responseCode: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode })
}

function addresses (field: Address | Address[] | undefined): string[] {
  const list = field === undefined ? [] : Array.isArray(field) ? field : [field]
  return list.flatMap(a => a.group ?? [a]).map(v => (v.address ?? '').toLowerCase()).filter(Boolean)
}

// Headers the list shows as their own fields (addresses, date) or that are structured: `headers`
// holds the plain text ones (Subject, Message-ID, X-…), as it always did.
const STRUCTURED = new Set(['from', 'to', 'cc', 'bcc', 'sender', 'reply-to', 'date', 'content-type', 'content-disposition'])

/**
 * An SMTP server that accepts every mail and keeps it, plus an HTTP API to list and clear
 * what it caught (GET/DELETE /mails). It stands in for a real mail relay in development and tests.
 */
export async function startMailCapture (options: MailCaptureOptions) {
  mkdirSync(dirname(options.storeFile), { recursive: true })
  const mails: CapturedMail[] = []
  // Tests and the bench list one recipient's mails again and again while thousands come in: by
  // address, so a listing costs that recipient's mails rather than a scan of all.
  const byRecipient = new Map<string, CapturedMail[]>()
  const keep = (mail: CapturedMail) => {
    mails.push(mail)
    for (const to of new Set(mail.to)) {
      const list = byRecipient.get(to)
      if (list) list.push(mail)
      else byRecipient.set(to, [mail])
    }
  }
  if (existsSync(options.storeFile)) {
    for (const line of readFileSync(options.storeFile, 'utf8').split('\n')) if (line) keep(JSON.parse(line) as CapturedMail)
  }
  // Open once for appending: opening and closing the file for every mail (appendFileSync) cost more than the write.
  const store = openSync(options.storeFile, 'a')

  const maxBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES
  const log = options.log ?? ((line: string) => { console.error(line) })

  async function capture (raw: Buffer, session: SMTPServerSession): Promise<void> {
    // postal-mime parses in one pass over the buffer: mailparser's streams cost the capture more
    // CPU than the SMTP session itself, and at a few hundred mails a second it was the ceiling.
    const parsed = await PostalMime.parse(raw)
    const headerTo = addresses(parsed.to)
    const mail: CapturedMail = {
      id: randomUUID(),
      from: addresses(parsed.from)[0] ?? (session.envelope.mailFrom ? session.envelope.mailFrom.address : ''),
      to: headerTo.length > 0 ? headerTo : session.envelope.rcptTo.map(r => r.address.toLowerCase()),
      subject: parsed.subject ?? '',
      text: parsed.text ?? '',
      date: new Date().toISOString(),
      messageId: parsed.messageId,
      headers: Object.fromEntries(parsed.headers.filter(h => !STRUCTURED.has(h.key)).map(h => [h.key, decodeWords(h.value).trim()]))
    }
    // Persisted before the 250 reply, so a mail the sender saw accepted is never lost.
    writeSync(store, JSON.stringify(mail) + '\n')
    keep(mail)
  }

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    // Advertised in EHLO (a client declaring more is refused at MAIL FROM) and enforced below.
    size: maxBytes,
    socketTimeout: options.idleTimeoutMs ?? 60_000,
    onData (stream, session, callback) {
      // The body is buffered only up to the limit; the rest is read and dropped, so the client
      // gets its 552 after the final dot instead of a connection cut mid-transfer.
      const chunks: Buffer[] = []
      let bytes = 0
      let answered = false
      const answer = (err?: Error) => { if (!answered) { answered = true; callback(err ?? null) } }
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes <= maxBytes) chunks.push(chunk)
      })
      // A client that resets mid-DATA ends here (or never ends): nothing is captured, nothing thrown.
      stream.once('error', err => answer(err))
      stream.once('end', () => {
        if (stream.sizeExceeded || bytes > maxBytes) {
          answer(smtpError(552, `Message exceeds the fixed maximum message size of ${maxBytes} bytes`))
          return
        }
        capture(Buffer.concat(chunks), session).then(() => answer(), (err: Error) => answer(err))
      })
    }
  })
  // smtp-server re-emits every connection's socket error (ECONNRESET, EPIPE, a timeout) on the
  // server; an EventEmitter with no 'error' listener throws, which used to end the process.
  smtp.on('error', err => { log(`mail capture: client connection error (${(err as NodeJS.ErrnoException).code ?? err.message}), server keeps running`) })

  const api = Fastify({ logger: false })
  api.get('/health', async () => ({ ok: true, mails: mails.length }))
  // `newest=N`: the last N (newest first), for a console listing a mailbox of many thousands.
  api.get<{ Querystring: { to?: string, newest?: string } }>('/mails', async req => {
    const to = req.query.to?.toLowerCase()
    const list = to ? byRecipient.get(to) ?? [] : mails
    const newest = Number(req.query.newest)
    return Number.isInteger(newest) && newest > 0 ? list.slice(-newest).reverse() : list
  })
  api.delete('/mails', async () => {
    mails.length = 0
    byRecipient.clear()
    ftruncateSync(store)
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
      closeSync(store)
    }
  }
}
