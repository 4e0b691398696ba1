import nodemailer from 'nodemailer'
import { MailDeliveryError } from '../entities/notification.errors.ts'
import type { Mailer } from '../ports/mailer.port.ts'

export interface SmtpSettings {
  host: string
  port: number
  from: string
  maxConnections?: number
}

interface SmtpFailure { code?: string, responseCode?: number, message?: string }

/** 5xx replies are final (no such mailbox, rejected); 4xx and connection trouble may pass later. */
function isPermanent (error: SmtpFailure): boolean {
  if (typeof error.responseCode === 'number') return error.responseCode >= 500
  return error.code === 'EENVELOPE' || error.code === 'EMESSAGE'
}

/** SMTP through a pool of kept-alive connections, so a burst of changes does not open a connection per mail. */
export function createSmtpMailer (settings: SmtpSettings): Mailer {
  const transport = nodemailer.createTransport({
    host: settings.host,
    port: settings.port,
    secure: false,
    pool: true,
    maxConnections: settings.maxConnections ?? 5,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000
  })
  return {
    async send (mail) {
      try {
        await transport.sendMail({ from: settings.from, to: mail.to, subject: mail.subject, text: mail.text, messageId: mail.messageId })
      } catch (error) {
        const failure = error as SmtpFailure
        const permanent = isPermanent(failure)
        throw new MailDeliveryError(`mail server ${permanent ? 'refused' : 'did not take'} the ${mail.kind} mail: ${failure.message ?? String(error)}`, { permanent, cause: error })
      }
    },
    async close () {
      transport.close()
    }
  }
}
