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
  status: UserStatus
  createdAt: Date
  lastUpdated: Date
}

/** The fields a user may change; `null` clears an optional one. */
export interface UserChanges {
  username?: string
  email?: string
  password?: string
  fullName?: string | null
  dateOfBirth?: string | null
  address?: string | null
  status?: UserStatus
}
