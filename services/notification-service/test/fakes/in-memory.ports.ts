import { randomUUID } from 'node:crypto'
import type { Mail, MailKind } from '../../src/entities/mail.entity.ts'
import type { Mailer, OutgoingMail } from '../../src/ports/mailer.port.ts'
import type { ClaimState, SentMailLog } from '../../src/ports/sent-mail-log.port.ts'

/** Records what would have gone out; each queued failure refuses the next mail of its kind. */
export class RecordingMailer implements Mailer {
  sent: OutgoingMail[] = []
  failures: Array<{ kind: MailKind, error: Error }> = []
  async send (mail: OutgoingMail): Promise<void> {
    const failure = this.failures.findIndex(f => f.kind === mail.kind)
    if (failure >= 0) throw this.failures.splice(failure, 1)[0]?.error
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

  async isProcessed (eventId: string) { return this.processed.has(eventId) }

  async claim (eventId: string, mails: Mail[]) {
    const token = randomUUID()
    const states = mails.map((mail, seq): ClaimState => {
      const row = this.rows.get(this.key(eventId, seq))
      if (!row) {
        this.rows.set(this.key(eventId, seq), { status: 'pending', token, mail })
        return 'claimed'
      }
      return row.status === 'sent' ? 'sent' : 'in-doubt'
    })
    return { token, states }
  }

  async release (eventId: string, seq: number, token: string) {
    const row = this.rows.get(this.key(eventId, seq))
    if (row?.token === token && row.status === 'pending') this.rows.delete(this.key(eventId, seq))
  }

  async markSent (eventId: string, seq: number, token: string) {
    const row = this.rows.get(this.key(eventId, seq))
    if (row?.token === token) row.status = 'sent'
  }

  async complete (eventId: string, sent?: { seq: number, token: string }) {
    if (sent) await this.markSent(eventId, sent.seq, sent.token)
    if (this.processed.has(eventId)) return 'duplicate' as const
    this.processed.add(eventId)
    return 'processed' as const
  }
}
