import { InvalidUserError } from '../entities/user.errors.ts'

export const MIN_PASSWORD_LENGTH = 8

/** Business rules every write obeys; the transport has already checked types and formats. */
export function checkPassword (password: string): InvalidUserError | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) {
    return new InvalidUserError('password', `password must have at least ${MIN_PASSWORD_LENGTH} characters`)
  }
  return undefined
}

export function checkDateOfBirth (dateOfBirth: string | null | undefined, now: Date): InvalidUserError | undefined {
  // YYYY-MM-DD strings order like the dates they name.
  if (dateOfBirth && dateOfBirth > now.toISOString().slice(0, 10)) {
    return new InvalidUserError('dateOfBirth', 'dateOfBirth cannot be in the future')
  }
  return undefined
}
