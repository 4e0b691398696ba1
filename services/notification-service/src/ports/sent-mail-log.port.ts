import type { Mail } from '../entities/mail.entity.ts'

/**
 * A planned mail of an event is 'claimed' afresh by this attempt, already 'sent'
 * (confirmed: never sent again), or 'pending': an earlier attempt claimed it and never confirmed
 * it, so it may or may not have gone out; this attempt has taken the claim over and sends it again.
 * 'processed': the event is in the inbox already (every mail of it confirmed); nothing is claimed.
 */
export type ClaimState = 'claimed' | 'sent' | 'pending' | 'processed'

/** The service's record of processed events (its inbox) and of every mail it sent. */
export interface SentMailLog {
  /**
   * Records the mail (the event's `seq`th) as pending right before it is sent, or takes over a
   * pending claim an earlier attempt left; the token names this attempt's claim. An event already
   * in the inbox is answered 'processed' by the same call, so a redelivery costs one round trip.
   */
  claim (eventId: string, seq: number, mail: Mail): Promise<{ token: string, state: ClaimState }>
  /** Frees this attempt's claim of a mail that certainly did not go out, so a later attempt claims it afresh. */
  release (eventId: string, seq: number, token: string): Promise<void>
  /** The server took the mail: whichever attempt sent it, it is sent. */
  markSent (eventId: string, seq: number): Promise<void>
  /** Records the event as processed, and marks the given mail sent in the same transaction. */
  complete (eventId: string, sentSeq?: number): Promise<'processed' | 'duplicate'>
}
