import { randomUUID } from 'node:crypto'
import type { Mail, MailKind } from '../../src/entities/mail.entity.ts'
import type { ConfirmationLinks, ConfirmationTarget } from '../../src/ports/confirmation-links.port.ts'
import type { Mailer, OutgoingMail } from '../../src/ports/mailer.port.ts'
import type { ClaimState, SentMailLog } from '../../src/ports/sent-mail-log.port.ts'

/**
 * Records every mail handed to it (`attempts`) and what the server took (`sent`). Each queued
 * failure fails the next mail of its kind; with `afterData` the mail was handed over first, as
 * when the reply to DATA never comes.
 */
export class RecordingMailer implements Mailer {
  attempts: OutgoingMail[] = []
  sent: OutgoingMail[] = []
  failures: Array<{ kind: MailKind, error: Error, afterData?: boolean }> = []
  async send (mail: OutgoingMail): Promise<void> {
    this.attempts.push(mail)
    const index = this.failures.findIndex(f => f.kind === mail.kind)
    const failure = index >= 0 ? this.failures.splice(index, 1)[0] : undefined
    if (failure?.afterData) this.sent.push(mail)
    if (failure) throw failure.error
    this.sent.push(mail)
  }

  async close (): Promise<void> {}
}

interface Row { status: 'pending' | 'sent', token: string, mail: Mail }

/** Same contract as the PostgreSQL adapter, in maps. */
export class InMemorySentMailLog implements SentMailLog {
  processed = new Set<string>()
  rows = new Map<string, Row>()

  private key = (eventId: string, seq: number) => `${eventId}#${seq}`

  async claim (eventId: string, seq: number, mail: Mail) {
    const token = randomUUID()
    if (this.processed.has(eventId)) return { token, state: 'processed' as ClaimState }
    const row = this.rows.get(this.key(eventId, seq))
    if (!row) {
      this.rows.set(this.key(eventId, seq), { status: 'pending', token, mail })
      return { token, state: 'claimed' as ClaimState }
    }
    if (row.status === 'sent') return { token, state: 'sent' as ClaimState }
    row.token = token
    return { token, state: 'pending' as ClaimState }
  }

  async release (eventId: string, seq: number, token: string) {
    const row = this.rows.get(this.key(eventId, seq))
    if (row?.token === token && row.status === 'pending') this.rows.delete(this.key(eventId, seq))
  }

  async markSent (eventId: string, seq: number) {
    const row = this.rows.get(this.key(eventId, seq))
    if (row) row.status = 'sent'
  }

  async complete (eventId: string, sentSeq?: number) {
    if (sentSeq !== undefined) await this.markSent(eventId, sentSeq)
    if (this.processed.has(eventId)) return 'duplicate' as const
    this.processed.add(eventId)
    return 'processed' as const
  }
}

/** Links that name their target in clear, numbered in the order they were made. */
export class RecordingLinks implements ConfirmationLinks {
  made: ConfirmationTarget[] = []
  async linkFor (target: ConfirmationTarget) {
    this.made.push(target)
    return `http://users.test/users/confirm?token=${this.made.length}-${encodeURIComponent(target.email)}`
  }
}
