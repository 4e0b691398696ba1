export type MailKind = 'welcome' | 'data-changed' | 'email-changed-notice' | 'goodbye'

export interface Mail {
  kind: MailKind
  to: string
  subject: string
  text: string
  /** The fields the mail names as changed, for the sent-mail log. */
  fields: string[]
}

/**
 * One Message-ID per (event, mail): a mail sent again for the same change carries the same id,
 * so a mail client that sees it twice can fold the copies together.
 */
export function messageIdFor (eventId: string, seq: number): string {
  return `<${eventId.replace(/[^A-Za-z0-9.-]/g, '.')}.${seq}@notification-service.ripple>`
}
