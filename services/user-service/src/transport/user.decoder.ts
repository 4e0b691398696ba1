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

// Invisible characters that make one name look like another: format characters (Cf: zero-width
// space, joiners, soft hyphen, BOM, U+2060 word joiner, the bidi embeddings, overrides and isolates
// U+202A–U+202E, U+2066–U+2069), the other bidi controls (U+061C, U+200E/F are Cf too) and the
// remaining default-ignorable code points (U+034F, the Hangul fillers U+115F, U+1160, U+3164,
// U+FFA0, ...) but the variation selectors, which emoji need (❤️ is U+2764 U+FE0F).
const INVISIBLE_IN_NAME = /(?![\uFE00-\uFE0F\u{E0100}-\u{E01EF}])[\p{Cf}\p{Bidi_Control}\p{Default_Ignorable_Code_Point}]/u

// 255 is the columns' width: longer text would be a database error, so it is refused here.
export const requiredText = () => shownText().pipe(z.string().min(1).max(255))
/** A username: shown text without format, bidi or zero-width characters (`ad\u202emin` shows as `adnim`, `admin\u200b` as `admin`). */
export const username = () => unicodeText()
  .refine(s => !INVISIBLE_IN_NAME.test(s), 'must not contain format, bidi-control or zero-width characters (U+200B, U+202E, U+FEFF, …)')
  .pipe(requiredText())
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
