import type { Mail } from '../entities/mail.entity.ts'

export interface OutgoingMail extends Mail {
  messageId: string
}

/** Hands a mail to the mail server; throws MailDeliveryError when it is not accepted. */
export interface Mailer {
  send (mail: OutgoingMail): Promise<void>
  close (): Promise<void>
}
