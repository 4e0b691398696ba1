export type MailKind = 'welcome' | 'data-changed' | 'email-changed-notice' | 'goodbye'

export interface Mail {
  kind: MailKind
  to: string
  subject: string
  text: string
  /** The fields the mail names as changed, for the sent-mail log. */
  fields: string[]
}

