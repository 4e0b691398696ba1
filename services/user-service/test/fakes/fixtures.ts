import type { User } from '../../src/entities/user.entity.ts'
import type { InMemoryUserRepository } from './in-memory-user.repository.ts'

/** A clock the test moves by hand, so nothing depends on how fast the test runs. */
export function fakeClock (start = '2024-06-01T12:00:00.000Z') {
  let now = new Date(start)
  return {
    now: () => new Date(now),
    advance (ms: number) { now = new Date(now.getTime() + ms) }
  }
}

export function sequentialIds () {
  let n = 0
  return () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`
}

/** Alice as the tests know her; `alice(overrides)` for a variant. */
export const alice = (overrides: Partial<User> = {}): User => ({
  id: '11111111-1111-4111-8111-111111111111',
  username: 'alice',
  email: 'alice@example.com',
  fullName: 'Alice Doe',
  dateOfBirth: '1990-05-01',
  address: '1 Main St',
  status: 'Unconfirmed',
  createdAt: new Date('2024-01-01T00:00:00.000Z'),
  lastUpdated: new Date('2024-01-01T00:00:00.000Z'),
  passwordChangedAt: null,
  ...overrides
})

export async function seedUser (repo: InMemoryUserRepository, overrides: Partial<User> = {}, passwordHash = 'hashed:old-password'): Promise<User> {
  const user = alice(overrides)
  const result = await repo.insert(user, passwordHash)
  if (!result.ok) throw result.error
  return user
}
