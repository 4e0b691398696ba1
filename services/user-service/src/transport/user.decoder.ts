import { z } from 'zod'

// How user-service reads text from clients, shared by its routes. Shapes and formats only;
// business rules (password length, birth date) are the interactors'.

// C0 (U+0000–U+001F, CR, LF, NUL and TAB among them), DEL (U+007F) and C1 (U+0080–U+009F):
// shown verbatim in a mail they could fake lines of it, so names, addresses and emails refuse them.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTER = /[\u0000-\u001F\u007F-\u009F]/

/** Any string a client sends: well-formed UTF-16 (a lone surrogate has no UTF-8 form and would be stored as something else). */
export const unicodeText = () => z.string().refine(s => s.isWellFormed(), 'must be valid Unicode: a lone surrogate (\\ud800–\\udfff alone) is not text')

/** Text shown to people: no control characters, NFC-normalised (so é typed either way is one value), trimmed. */
const shownText = () => unicodeText()
  .refine(s => !CONTROL_CHARACTER.test(s), 'must not contain control characters (C0, DEL or C1: CR, LF, NUL, TAB, …)')
  .transform(s => s.normalize('NFC').trim())

// 255 is the columns' width: longer text would be a database error, so it is refused here.
export const requiredText = () => shownText().pipe(z.string().min(1).max(255))
export const optionalText = () => shownText().pipe(z.string().max(255)).nullish()
export const email = () => unicodeText()
  .refine(s => !CONTROL_CHARACTER.test(s), 'must not contain control characters')
  .transform(s => s.normalize('NFC'))
  .pipe(z.email().max(255))
// Bounded because scrypt's cost grows with it; NFC so that a password typed on another keyboard
// (é precomposed or e + U+0301) is the same password.
export const password = () => unicodeText().max(1024).transform(s => s.normalize('NFC'))
// A calendar day from 0001-01-01 on (MariaDB has no year 0).
export const calendarDate = () => z.iso.date().refine(d => d >= '0001-01-01', 'must be 0001-01-01 or later')
