import nodemailer from 'nodemailer'
import { MailDeliveryError } from '../entities/notification.errors.ts'
import type { DeliveryOutcome } from '../entities/notification.errors.ts'
import type { Mailer } from '../ports/mailer.port.ts'

export interface SmtpSettings {
  host: string
  port: number
  from: string
  maxConnections?: number
  /** How long a session may stay silent (e.g. waiting for the reply to DATA) before it counts as broken. */
  socketTimeoutMs?: number
  /** Told of every send that failed, e.g. to count them. */
  onFailure?: (error: MailDeliveryError) => void
}

interface SmtpFailure { code?: string, originalCode?: string, timeoutType?: string, responseCode?: number, message?: string }

// Failures before the session could carry a mail: it certainly did not go out.
const NO_SESSION = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL'])
const NO_SESSION_TIMEOUTS = new Set(['CONNECT_TIMEOUT', 'GREETING_TIMEOUT'])

/**
 * Any SMTP reply other than 250 means the server did not take the mail: 5xx for good, 4xx for
 * now. Without a reply (nodemailer tags every mid-session timeout and socket loss 'CONN', so the
 * phase is unknown) the mail may have been handed over and only the 250 lost.
 */
export function deliveryOutcome (error: SmtpFailure): DeliveryOutcome {
  if (typeof error.responseCode === 'number') return error.responseCode >= 500 ? 'rejected' : 'not-sent'
  if (error.code === 'EENVELOPE' || error.code === 'EMESSAGE') return 'rejected'
  if (error.code === 'EDNS' || NO_SESSION.has(error.originalCode ?? '')) return 'not-sent'
  if (error.code === 'ETIMEDOUT' && NO_SESSION_TIMEOUTS.has(error.timeoutType ?? '')) return 'not-sent'
  return 'maybe-sent'
}

export interface SmtpMailer extends Mailer {
  /**
   * Why the last send failed for a reason that may pass, until a send succeeds again: what
   * /health reports, learnt from real sends, so a probe never opens a session of its own.
   */
  outage (): string | undefined
}

/** SMTP through a pool of kept-alive connections, so a burst of changes does not open a connection per mail. */
export function createSmtpMailer (settings: SmtpSettings): SmtpMailer {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: false,
    pool: true,
    maxConnections: settings.maxConnections ?? 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: settings.socketTimeoutMs ?? 30_000
  })
  let outage: string | undefined
  return {
    async send (mail) {
      try {
        await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId })
        outage = undefined
      } catch (error) {
        const failure = error as SmtpFailure
        const outcome = deliveryOutcome(failure)
        const reason = failure.message ?? String(error)
        if (outcome !== 'rejected') outage = reason
        const what = { 'rejected': 'refused', 'not-sent': 'did not take', 'maybe-sent': 'did not confirm' }[outcome]
        const delivery = new MailDeliveryError(`mail server ${what} the ${mail.kind} mail ${mail.messageId}: ${reason}`, { outcome, cause: error })
        settings.onFailure?.(delivery)
        throw delivery
      }
    },
    outage: () => outage,
    async close () {
      transport.close()
    }
  }
}
