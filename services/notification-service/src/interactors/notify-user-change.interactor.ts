import { createHash } from 'node:crypto'
import { mailSafe } from '../entities/mail.entity.ts'
import type { Mail, MailKind } from '../entities/mail.entity.ts'
import { MailDeliveryError } from '../entities/notification.errors.ts'
import { becameConfirmed, changedFields, emailChanged, passwordChanged, UNCONFIRMED } from '../entities/user-change.entity.ts'
import type { FieldChange, UserChange, UserSnapshot } from '../entities/user-change.entity.ts'
import type { ConfirmationLinks, ConfirmationTarget } from '../ports/confirmation-links.port.ts'
import type { Mailer } from '../ports/mailer.port.ts'
import type { SentMailLog } from '../ports/sent-mail-log.port.ts'

const SIGNATURE = '\n\nIf you did not make this change, please contact support.\n\n-- Ripple'

// Every user-supplied value goes through mailSafe before it reaches a subject or a body.
const greeting = (user: UserSnapshot) => `Hello ${mailSafe(user.fullName || user.username || user.email)},`
const shown = (value: string | null) => value === null || value === '' ? '(empty)' : mailSafe(value)
const line = (c: FieldChange) => c.sensitive ? `  - ${mailSafe(c.label)}: changed` : `  - ${mailSafe(c.label)}: ${shown(c.from)} → ${shown(c.to)}`
const changeList = (changes: FieldChange[]) => changes.map(line).join('\n')
const confirmBlock = (link: string) => `Please confirm your email address by opening this link:\n\n${link}\n\nThe link works once and expires after a while.`

/**
 * The address a link must confirm, when the change asks for one: a new account that is
 * Unconfirmed, or an address changed (user-service sets the account back to Unconfirmed in the
 * same UPDATE). The link goes to that address only.
 */
export function confirmationTarget (change: UserChange): ConfirmationTarget | undefined {
  if (change.kind === 'created' && change.after.status === UNCONFIRMED) return { userId: change.after.id, email: change.after.email }
  if (change.kind === 'updated' && change.before.email !== change.after.email && change.after.status === UNCONFIRMED) {
    return { userId: change.after.id, email: change.after.email }
  }
  return undefined
}

/**
 * Which mails a change deserves; pure, so every rule is testable without a mail server. A change
 * with a confirmationTarget needs its link (minted beforehand) to be planned.
 *
 * An update can deserve several, in this order: the changed data (to the new address with a
 * confirmation link when the address changed, otherwise a plain list), a notice to the old
 * address when the address changed, "your address is confirmed" when the status went from
 * Unconfirmed to Confirmed, and "your password was changed at …" when passwordChangedAt moved.
 */
export function planMails (change: UserChange, confirmLink?: string): Mail[] {
  const target = confirmationTarget(change)
  if (target && confirmLink === undefined) throw new Error(`a confirmation link for ${target.email} is needed to plan the mails of this change`)
  switch (change.kind) {
    case 'created': {
      const { after } = change
      const created = `${greeting(after)}\n\nyour Ripple account was created for ${mailSafe(after.email)}${after.username ? ` with the username ${mailSafe(after.username)}` : ''}. Welcome aboard!`
      return [{
        kind: 'welcome',
        to: after.email,
        subject: 'Welcome to Ripple',
        text: target
          ? `${created}\n\n${confirmBlock(confirmLink!)} If you did not sign up, ignore this mail.\n\n-- Ripple`
          : `${created}\n\n-- Ripple`,
        fields: []
      }]
    }
    case 'updated': {
      const { before, after } = change
      const confirmedNow = becameConfirmed(before, after) && before.email === after.email
      // A status change that has a mail of its own (confirmed, or back to Unconfirmed with a new link) is not listed.
      const changes = changedFields(before, after).filter(c => !(c.field === 'status' && (confirmedNow || target)))
      const passwordNow = passwordChanged(before, after)
      const mails: Mail[] = []
      if (target) {
        mails.push({
          kind: 'email-confirmation',
          to: after.email,
          subject: 'Confirm the new email address of your Ripple account',
          text: `${greeting(after)}\n\nthe email address of your Ripple account is now ${mailSafe(after.email)}. ${confirmBlock(confirmLink!)}\n\nThe following data of your account changed:\n\n${changeList(changes)}${SIGNATURE}`,
          fields: changes.map(c => c.field)
        })
      } else if (changes.length > 0) {
        mails.push({
          kind: 'data-changed',
          to: after.email,
          subject: 'Your Ripple account data changed',
          text: `${greeting(after)}\n\nthe following data of your account changed:\n\n${changeList(changes)}${SIGNATURE}`,
          fields: changes.map(c => c.field)
        })
      }
      if (emailChanged(before, after)) {
        // The old address learns of the change too (never the link): if the account was taken over, it is the only one the owner still reads.
        mails.push({
          kind: 'email-changed-notice',
          to: before.email,
          subject: 'The email address of your Ripple account changed',
          text: `${greeting(before)}\n\nthe email address of your Ripple account changed from ${mailSafe(before.email)} to ${mailSafe(after.email)}. Mail about your account now goes to the new address.${passwordNow ? ' Its password was changed at the same time.' : ''}${SIGNATURE}`,
          fields: ['email']
        })
      }
      if (confirmedNow) {
        mails.push({
          kind: 'email-confirmed',
          to: after.email,
          subject: 'Your Ripple email address is confirmed',
          text: `${greeting(after)}\n\nyour email address ${mailSafe(after.email)} is confirmed. Thank you!\n\n-- Ripple`,
          fields: ['status']
        })
      }
      if (passwordNow) {
        mails.push({
          kind: 'password-changed',
          to: after.email,
          subject: 'The password of your Ripple account was changed',
          text: `${greeting(after)}\n\nthe password of your Ripple account was changed at ${mailSafe(after.passwordChangedAt!)}.${SIGNATURE}`,
          fields: ['passwordChangedAt']
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
 *      attempt left (it crashed, was killed, or its send broke off); the same statement answers
 *      'processed' for an event already in the inbox;
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
 * rebalance). Many events are handled at once (the consumer runs each user's changes in order and
 * other users' alongside); the protocol is per event, and the sent-mail log may carry the claims
 * and confirmations of concurrent events in shared statements without changing what each answers.
 */
export function makeNotifyUserChange (deps: { mailer: Mailer, sentMails: SentMailLog, links: ConfirmationLinks, onResent?: (mail: Mail) => void }) {
  const { mailer, sentMails, links, onResent } = deps
  // Message-IDs the server took from this process whose 'sent' is not yet committed.
  const acceptedUnconfirmed = new Set<string>()
  return async function notifyUserChange (eventId: string, change: UserChange): Promise<NotifyResult> {
    // A fresh token on every attempt: a resend carries the same Message-ID and a link that works as well.
    const target = confirmationTarget(change)
    const mails = planMails(change, target ? await links.linkFor(target) : undefined)
    if (mails.length === 0) return { status: 'nothing-to-send', sent: 0, resent: [] }

    const resent: Mail[] = []
    let sent = 0
    let lastSent: number | undefined
    const ids = mails.map(mail => messageIdFor(eventId, mail.kind))
    for (const [seq, mail] of mails.entries()) {
      const messageId = ids[seq]!
      const { token, state } = await sentMails.claim(eventId, seq, mail)
      // In the inbox: a redelivery of an event already done (the first claim tells), or one
      // another member completed meanwhile, which confirmed every mail of it.
      if (state === 'processed' && seq === 0) return { status: 'duplicate', sent: 0, resent: [] }
      if (state === 'sent' || state === 'processed') continue
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
