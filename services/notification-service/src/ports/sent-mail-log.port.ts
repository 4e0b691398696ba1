import type { Mail } from '../entities/mail.entity.ts'

/**
 * For each planned mail of an event: 'claimed' by this attempt (send it), already 'sent', or
 * 'in-doubt': claimed by an attempt that never confirmed, so it may or may not have gone out.
 */
export type ClaimState = 'claimed' | 'sent' | 'in-doubt'

/** The service's record of processed events (its inbox) and of every mail it sent. */
export interface SentMailLog {
  isProcessed (eventId: string): Promise<boolean>
  /** Records each mail (by its index, `seq`) as pending before it is sent; the token names this attempt. */
  claim (eventId: string, mails: Mail[]): Promise<{ token: string, states: ClaimState[] }>
  /** Frees a claim whose mail the server refused, so a later attempt sends it. */
  release (eventId: string, seq: number, token: string): Promise<void>
  markSent (eventId: string, seq: number, token: string): Promise<void>
  /** Records the event as processed, and marks the given mail sent in the same transaction. */
  complete (eventId: string, sent?: { seq: number, token: string }): Promise<'processed' | 'duplicate'>
}
