import type { Mail } from '../entities/mail.entity.ts'

export interface OutgoingMail extends Mail {
  /** The mail's one identity, the same on every send of it, so a receiver can fold repeats. */
  messageId: string
}

/**
 * Hands a mail to the mail server; throws MailDeliveryError when the server did not confirm it,
 * saying whether it was refused, certainly not sent, or may have gone out.
 */
export interface Mailer {
  send (mail: OutgoingMail): Promise<void>
  close (): Promise<void>
}
