import type { Mail } from '../entities/mail.entity.ts'
import { messageIdFor } from '../entities/mail.entity.ts'
import { changedFields, emailChanged } from '../entities/user-change.entity.ts'
import type { FieldChange, UserChange, UserSnapshot } from '../entities/user-change.entity.ts'
import type { Mailer } from '../ports/mailer.port.ts'
import type { SentMailLog } from '../ports/sent-mail-log.port.ts'

const SIGNATURE = '\n\nIf you did not make this change, please contact support.\n\n-- Ripple'

const greeting = (user: UserSnapshot) => `Hello ${user.fullName || user.username || user.email},`
const shown = (value: string | null) => value === null || value === '' ? '(empty)' : value
const line = (c: FieldChange) => c.sensitive ? `  - ${c.label}: changed` : `  - ${c.label}: ${shown(c.from)} → ${shown(c.to)}`

/** Which mails a change deserves; pure, so every rule is testable without a mail server. */
export function planMails (change: UserChange): Mail[] {
  switch (change.kind) {
    case 'created': {
      const { after } = change
      return [{
        kind: 'welcome',
        to: after.email,
        subject: 'Welcome to Ripple',
        text: `${greeting(after)}\n\nyour Ripple account was created for ${after.email}${after.username ? ` with the username ${after.username}` : ''}. Welcome aboard!\n\n-- Ripple`,
        fields: []
      }]
    }
    case 'updated': {
      const { before, after } = change
      const changes = changedFields(before, after)
      if (changes.length === 0) return []
      const mails: Mail[] = [{
        kind: 'data-changed',
        to: after.email,
        subject: 'Your Ripple account data changed',
        text: `${greeting(after)}\n\nthe following data of your account changed:\n\n${changes.map(line).join('\n')}${SIGNATURE}`,
        fields: changes.map(c => c.field)
      }]
      if (emailChanged(before, after)) {
        // The old address learns of the change too: if the account was taken over, it is the only one the owner still reads.
        mails.push({
          kind: 'email-changed-notice',
          to: before.email,
          subject: 'The email address of your Ripple account changed',
          text: `${greeting(before)}\n\nthe email address of your Ripple account changed from ${before.email} to ${after.email}. Mail about your account now goes to the new address.${SIGNATURE}`,
          fields: ['email']
        })
      }
      return mails
    }
    case 'deleted': {
      const { before } = change
      return [{
        kind: 'goodbye',
        to: before.email,
        subject: 'Your Ripple account was deleted',
        text: `${greeting(before)}\n\nyour Ripple account and its data were deleted. We are sorry to see you go.${SIGNATURE}`,
        fields: []
      }]
    }
    case 'ignored':
      return []
  }
}

export interface NotifyResult {
  status: 'sent' | 'duplicate' | 'nothing-to-send'
  sent: number
  /** Mails an earlier attempt claimed and never confirmed: not sent again, so never twice. */
  inDoubt: Mail[]
}

/**
 * Sends the mails for one change event at most once per mail.
 *
 * The mail server and the database cannot commit together, so there is always a window between
 * the server's 250 and our record of it. Each mail is therefore claimed (a pending row keyed by
 * event and index) before it is sent and confirmed right after; the last confirmation commits in
 * one transaction with the event id in the inbox, and only then does the consumer commit the
 * offset. A redelivery finds the event in the inbox, or each mail 'sent' (skipped), or 'in-doubt':
 * the earlier attempt stopped (crash, kill) between claim and confirmation, or is still sending
 * (a rebalance handed the partition over). Resending could mail twice, so it is not resent: it
 * stays pending for an operator. A refused mail releases its claim, so retries and dead-letter
 * replays do send it. A graceful stop finishes the message in flight and leaves nothing in doubt.
 */
export function makeNotifyUserChange (deps: { mailer: Mailer, sentMails: SentMailLog }) {
  const { mailer, sentMails } = deps
  return async function notifyUserChange (eventId: string, change: UserChange): Promise<NotifyResult> {
    const mails = planMails(change)
    if (mails.length === 0) return { status: 'nothing-to-send', sent: 0, inDoubt: [] }
    if (await sentMails.isProcessed(eventId)) return { status: 'duplicate', sent: 0, inDoubt: [] }

    const { token, states } = await sentMails.claim(eventId, mails)
    const toSend = mails.flatMap((mail, seq) => states[seq] === 'claimed' ? [{ mail, seq }] : [])
    const inDoubt = mails.filter((_, seq) => states[seq] === 'in-doubt')
    const last = toSend.at(-1)
    for (const { mail, seq } of toSend) {
      try {
        await mailer.send({ ...mail, messageId: messageIdFor(eventId, seq) })
      } catch (error) {
        await sentMails.release(eventId, seq, token)
        throw error
      }
      if (seq !== last?.seq) await sentMails.markSent(eventId, seq, token)
    }
    const recorded = await sentMails.complete(eventId, last ? { seq: last.seq, token } : undefined)
    return { status: toSend.length > 0 || recorded === 'processed' ? 'sent' : 'duplicate', sent: toSend.length, inDoubt }
  }
}

export type NotifyUserChange = ReturnType<typeof makeNotifyUserChange>
