import { createHash } from 'node:crypto'
import type { Mail, MailKind } from '../entities/mail.entity.ts'
import { MailDeliveryError } from '../entities/notification.errors.ts'
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

/**
 * The one identity of a mail, the same on every send of it by any process: a mail client that
 * gets it twice shows it once. A kind occurs at most once per event, so (event, kind) names it.
 */
export function messageIdFor (eventId: string, kind: MailKind): string {
  return `<${createHash('sha256').update(`${eventId}\n${kind}`).digest('hex')}@ripple.local>`
}

export interface NotifyResult {
  status: 'sent' | 'duplicate' | 'nothing-to-send'
  /** Mails handed to the server by this attempt, resends included. */
  sent: number
  /** Mails an earlier attempt claimed and never confirmed, sent again by this one. */
  resent: Mail[]
}

/**
 * Sends the mails of one change event at least once each, every send of a mail carrying the
 * same Message-ID (messageIdFor), and never again once it is confirmed.
 *
 * The mail server and the database cannot commit together: between the server's 250 and our
 * record of it there is always a window. The protocol, per mail, in the event's order:
 *   1. claim: a 'pending' row keyed by (event id, index), or take over a pending row an earlier
 *      attempt left (it crashed, was killed, or its send broke off);
 *   2. send with the stable Message-ID;
 *   3. confirm: the row becomes 'sent'; the event's last mail is confirmed in one transaction
 *      with the event id in the inbox, and only then does the consumer commit the offset.
 * A redelivery finds the event in the inbox (nothing sent), a mail 'sent' (skipped), or a mail
 * 'pending': it may or may not have gone out, and a lost mail is worse than a repeat a mail client
 * folds, so it is sent again with the same Message-ID, counted once the server takes it
 * (ripple_mail_resent_total: the repeats a mailbox may have seen). A send that breaks
 * off after the mail may have been handed over (a timeout, a dropped connection with no reply to
 * DATA) leaves the claim pending, so the retry is such a resend too. Only a failure that proves
 * the mail did not go out (no connection, a 4xx or 5xx reply) frees a claim this attempt made.
 * Outages throw a retryable error and are waited out; a 5xx is final and the event dead-lettered.
 * A process remembers the mails the server accepted until their confirmation commits: when only
 * the confirmation failed (the database went down after the 250), its retry confirms without
 * sending again. A mail therefore goes out twice only when a process stops between the server's
 * acceptance and the confirmation's commit (or two members briefly share a partition during a
 * rebalance).
 */
export function makeNotifyUserChange (deps: { mailer: Mailer, sentMails: SentMailLog, onResent?: (mail: Mail) => void }) {
  const { mailer, sentMails, onResent } = deps
  // Message-IDs the server took from this process whose 'sent' is not yet committed.
  const acceptedUnconfirmed = new Set<string>()
  return async function notifyUserChange (eventId: string, change: UserChange): Promise<NotifyResult> {
    const mails = planMails(change)
    if (mails.length === 0) return { status: 'nothing-to-send', sent: 0, resent: [] }
    if (await sentMails.isProcessed(eventId)) return { status: 'duplicate', sent: 0, resent: [] }

    const resent: Mail[] = []
    let sent = 0
    let lastSent: number | undefined
    const ids = mails.map(mail => messageIdFor(eventId, mail.kind))
    for (const [seq, mail] of mails.entries()) {
      const messageId = ids[seq]!
      const { token, state } = await sentMails.claim(eventId, seq, mail)
      if (state === 'sent') continue
      if (!acceptedUnconfirmed.has(messageId)) {
        try {
          await mailer.send({ ...mail, messageId })
        } catch (error) {
          const certainlyNotSent = error instanceof MailDeliveryError && error.outcome !== 'maybe-sent'
          if (certainlyNotSent && state === 'claimed') await sentMails.release(eventId, seq, token)
          throw error
        }
        acceptedUnconfirmed.add(messageId)
        sent++
        if (state === 'pending') {
          resent.push(mail)
          onResent?.(mail)
        }
      }
      if (seq === mails.length - 1) lastSent = seq
      else {
        await sentMails.markSent(eventId, seq)
        acceptedUnconfirmed.delete(messageId)
      }
    }
    const recorded = await sentMails.complete(eventId, lastSent)
    if (lastSent !== undefined) acceptedUnconfirmed.delete(ids[lastSent]!)
    return { status: sent > 0 || recorded === 'processed' ? 'sent' : 'duplicate', sent, resent }
  }
}

export type NotifyUserChange = ReturnType<typeof makeNotifyUserChange>
