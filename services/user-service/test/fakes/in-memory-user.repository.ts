import { identityKey, usernameKey } from '../../src/entities/user.entity.ts'
import type { User } from '../../src/entities/user.entity.ts'
import { ConfirmationUsedError, DuplicateUserError, UserNotFoundError } from '../../src/entities/user.errors.ts'
import { err, ok } from '@ripple/kit/domain'
import type { UpdateOptions, UpdatePlan, UserRepository } from '../../src/ports/user-repository.port.ts'

interface Row { user: User, passwordHash: string }

/**
 * The UserRepository port in memory, with the same contract as MariaDB's: username and email
 * unique by identityKey, oldest first, an update decided on the current row and writing nothing
 * when the plan changes nothing, spent tokens remembered, copies out so callers cannot change
 * what is stored.
 */
export class InMemoryUserRepository implements UserRepository {
  readonly rows = new Map<string, Row>()
  readonly spentTokens = new Set<string>()
  writes = 0

  passwordHashOf (id: string): string | undefined {
    return this.rows.get(id)?.passwordHash
  }

  private duplicate (candidate: { id: string, username?: string, email?: string }): DuplicateUserError | undefined {
    for (const { user } of this.rows.values()) {
      if (user.id === candidate.id) continue
      if (candidate.username !== undefined && usernameKey(user.username) === usernameKey(candidate.username)) return new DuplicateUserError('username')
      if (candidate.email !== undefined && identityKey(user.email) === identityKey(candidate.email)) return new DuplicateUserError('email')
    }
    return undefined
  }

  async insert (user: User, passwordHash: string) {
    const duplicate = this.duplicate(user)
    if (duplicate) return err(duplicate)
    this.writes++
    this.rows.set(user.id, { user: structuredClone(user), passwordHash })
    return ok(structuredClone(user))
  }

  async findById (id: string) {
    const row = this.rows.get(id)
    return row ? structuredClone(row.user) : undefined
  }

  async findForSignIn (login: { username: string } | { email: string }) {
    const [field, value] = 'username' in login ? ['username', login.username] as const : ['email', login.email] as const
    const key = field === 'username' ? usernameKey : identityKey
    const row = [...this.rows.values()].find(r => key(r.user[field]) === key(value))
    return row ? { ...structuredClone(row.user), passwordHash: row.passwordHash } : undefined
  }

  async list ({ limit, offset }: { limit: number, offset: number }) {
    const all = [...this.rows.values()].map(r => r.user)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
    return { items: structuredClone(all.slice(offset, offset + limit)), total: all.length }
  }

  async update<E> (id: string, lastUpdated: Date, plan: UpdatePlan<E>, options: UpdateOptions = {}) {
    const row = this.rows.get(id)
    if (!row) return err(new UserNotFoundError(id))
    const planned = await plan({ ...structuredClone(row.user), passwordHash: row.passwordHash })
    if (!planned.ok) return planned
    const token = options.spendToken?.toString('hex')
    if (token !== undefined && this.spentTokens.has(token)) return err(new ConfirmationUsedError())
    const { passwordHash, ...fields } = planned.value
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
    if (token !== undefined) this.spentTokens.add(token)
    if (Object.keys(defined).length === 0 && passwordHash === undefined) return ok(structuredClone(row.user))
    const duplicate = this.duplicate({ id, username: planned.value.username, email: planned.value.email })
    if (duplicate) return err(duplicate)
    this.writes++
    row.user = { ...row.user, ...defined, lastUpdated }
    if (passwordHash !== undefined) row.passwordHash = passwordHash
    return ok(structuredClone(row.user))
  }

  async replacePasswordHash (id: string, current: string, replacement: string) {
    const row = this.rows.get(id)
    if (!row || row.passwordHash !== current) return false
    row.passwordHash = replacement
    return true
  }

  async delete (id: string) {
    return this.rows.delete(id)
  }
}
