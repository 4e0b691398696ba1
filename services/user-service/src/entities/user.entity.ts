export const userStatuses = ['Unconfirmed', 'Confirmed'] as const
export type UserStatus = typeof userStatuses[number]

/** A user as the rest of the world may see it: the password hash never leaves the repository. */
export interface User {
  id: string
  username: string
  email: string
  fullName: string | null
  /** A calendar date, YYYY-MM-DD: no time zone can move it to the day before. */
  dateOfBirth: string | null
  address: string | null
  /** Unconfirmed until the owner opens the link mailed to `email`; an email change sets it back. */
  status: UserStatus
  createdAt: Date
  lastUpdated: Date
  /** When the password was last changed (null: never since sign-up); captured, so the owner is told. */
  passwordChangedAt: Date | null
}

/** The fields a user may change; `null` clears an optional one. `status` is not among them: only confirming sets it. */
export interface UserChanges {
  username?: string
  email?: string
  password?: string
  fullName?: string | null
  dateOfBirth?: string | null
  address?: string | null
}

/**
 * The uniqueness rule for usernames and emails: two values name the same account when they are
 * equal after Unicode NFC normalisation and full case folding, and only then. So `Alice`, `ALICE`
 * and `alice` are one user (and `Straße`/`STRASSE`, whose fold is `strasse`), while every other
 * difference counts: `😀_x` and `😁_x`, `é` and `e`, `a b` and `ab` are different users. (MariaDB's
 * collations do not give this: utf8mb4_unicode_ci weighs every character outside the BMP alike, and
 * the UCA ones ignore characters such as U+00AD or U+200D.) JavaScript has no case-fold function;
 * upper-casing then lower-casing (both locale-independent) gives Unicode's full case folding for
 * all but a few characters (Cherokee letters and the like, which then fold to lower case).
 * The store keeps this key in a UNIQUE column, so the rule holds under concurrent writes.
 */
export function identityKey (value: string): string {
  return value.normalize('NFC').toUpperCase().toLowerCase().normalize('NFC')
}

/**
 * The uniqueness rule for usernames, stricter than identityKey: compatibility forms count as the
 * letter they stand for (NFKC), so `ａdmin` (fullwidth), `ADMIN` and `admin` are one name, as are
 * `ﬁle` and `file`, or `𝐚` and `a`. Usernames are what people read to tell accounts apart, and
 * those differences are hard to see. The NFKC around the fold is Unicode's NFKC_Casefold
 * approximated (toNFKC_Casefold also drops default-ignorable characters, which the transport
 * refuses in usernames before they get here).
 */
export function usernameKey (value: string): string {
  return value.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC')
}
