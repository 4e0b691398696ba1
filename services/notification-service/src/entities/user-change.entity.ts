/**
 * A user as notifications see it: every column as display text (dates already readable),
 * whatever representation the change event used.
 */
export interface UserSnapshot {
  id: string
  email: string
  username?: string | null
  fullName?: string | null
  dateOfBirth?: string | null
  address?: string | null
  status?: string | null
  createdAt?: string | null
  lastUpdated?: string | null
  /** When the password last changed (the password itself is never captured). */
  passwordChangedAt?: string | null
  [column: string]: string | null | undefined
}

export type UserChange =
  | { kind: 'created', after: UserSnapshot }
  | { kind: 'updated', before: UserSnapshot, after: UserSnapshot }
  | { kind: 'deleted', before: UserSnapshot }
  /** Snapshot reads replay existing rows (no one changed anything); truncates name no user. */
  | { kind: 'ignored', reason: 'snapshot' | 'truncate' }

export interface FieldChange {
  field: string
  label: string
  from: string | null
  to: string | null
  /** Secrets are named as changed, never shown. */
  sensitive: boolean
}

const LABELS: Record<string, string> = {
  username: 'Username',
  email: 'Email',
  fullName: 'Full name',
  dateOfBirth: 'Date of birth',
  address: 'Address',
  status: 'Status'
}

// Bookkeeping columns change with every write and mean nothing to the user; passwordChangedAt
// has a mail of its own (passwordChanged), so a change list never names it.
const BOOKKEEPING = new Set(['id', 'createdAt', 'lastUpdated', 'passwordChangedAt'])
const SENSITIVE = /pass(word)?|hash|secret|token|salt/i

export const isSensitive = (field: string): boolean => SENSITIVE.test(field)
export const labelOf = (field: string): string => LABELS[field] ?? field

/** The fields a user would recognise as changed, in a stable order. */
export function changedFields (before: UserSnapshot, after: UserSnapshot): FieldChange[] {
  const fields = [...new Set([...Object.keys(after), ...Object.keys(before)])]
  return fields
    .filter(field => !BOOKKEEPING.has(field))
    .map(field => ({ field, from: before[field] ?? null, to: after[field] ?? null }))
    .filter(({ from, to }) => from !== to)
    .map(({ field, from, to }) => ({ field, label: labelOf(field), from, to, sensitive: isSensitive(field) }))
}

/** The address itself changed, not only its spelling: the old one learns of it. */
export const emailChanged = (before: UserSnapshot, after: UserSnapshot): boolean =>
  before.email.trim().toLowerCase() !== after.email.trim().toLowerCase()

export const UNCONFIRMED = 'Unconfirmed'
export const CONFIRMED = 'Confirmed'

/** The user confirmed their address (GET /users/confirm) in this change. */
export const becameConfirmed = (before: UserSnapshot, after: UserSnapshot): boolean =>
  before.status === UNCONFIRMED && after.status === CONFIRMED

/** The password changed in this change: user-service moved passwordChangedAt. */
export const passwordChanged = (before: UserSnapshot, after: UserSnapshot): boolean =>
  typeof after.passwordChangedAt === 'string' && after.passwordChangedAt !== (before.passwordChangedAt ?? null)
