export type MailKind =
  | 'welcome'
  | 'data-changed'
  | 'email-confirmation'
  | 'email-changed-notice'
  | 'email-confirmed'
  | 'password-changed'
  | 'goodbye'

export interface Mail {
  kind: MailKind
  to: string
  subject: string
  text: string
  /** The fields the mail names as changed, for the sent-mail log. */
  fields: string[]
}

// C0 (NUL, TAB, LF, CR, ESC…), DEL and C1 (NEL…), and the Unicode line and paragraph separators:
// anything that could end a line or a header, or steer a terminal, inside a mail.
const CONTROL = /[\p{Cc}\u2028\u2029]/gu

/**
 * A user-supplied value as it may appear in a subject or a body: every control character is
 * written out as a visible `\uXXXX`, so a value can never start a new line, a header or fake
 * text of its own (user-service rejects such values; this is the second line of defence).
 */
export function mailSafe (value: string): string {
  return value.replace(CONTROL, c => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`)
}

export const hasControlCharacters = (value: string): boolean => new RegExp(CONTROL.source, 'u').test(value)
