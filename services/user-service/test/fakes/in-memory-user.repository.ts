import type { User } from '../../src/entities/user.entity.ts'
import { DuplicateUserError, UserNotFoundError } from '../../src/entities/user.errors.ts'
import { err, ok } from '@ripple/kit/domain'
import type { StoredUserChanges, UserRepository } from '../../src/ports/user-repository.port.ts'

interface Row { user: User, passwordHash: string }

/**
 * The UserRepository port in memory, with the same contract as MariaDB's: case-insensitive
 * unique username and email (the table's collation), oldest first, copies out so callers
 * cannot change what is stored.
 */
export class InMemoryUserRepository implements UserRepository {
  readonly rows = new Map<string, Row>()
  writes = 0

  passwordHashOf (id: string): string | undefined {
    return this.rows.get(id)?.passwordHash
  }

  private duplicate (candidate: { id: string, username?: string, email?: string }): DuplicateUserError | undefined {
    for (const { user } of this.rows.values()) {
      if (user.id === candidate.id) continue
      if (candidate.username !== undefined && user.username.toLowerCase() === candidate.username.toLowerCase()) return new DuplicateUserError('username')
      if (candidate.email !== undefined && user.email.toLowerCase() === candidate.email.toLowerCase()) return new DuplicateUserError('email')
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

  async list ({ limit, offset }: { limit: number, offset: number }) {
    const all = [...this.rows.values()].map(r => r.user)
      .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id))
    return { items: structuredClone(all.slice(offset, offset + limit)), total: all.length }
  }

  async update (id: string, changes: StoredUserChanges, lastUpdated: Date) {
    const row = this.rows.get(id)
    if (!row) return err(new UserNotFoundError(id))
    const duplicate = this.duplicate({ id, username: changes.username, email: changes.email })
    if (duplicate) return err(duplicate)
    const { passwordHash, ...fields } = changes
    const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined))
    this.writes++
    row.user = { ...row.user, ...defined, lastUpdated }
    if (passwordHash !== undefined) row.passwordHash = passwordHash
    return ok(structuredClone(row.user))
  }

  async delete (id: string) {
    return this.rows.delete(id)
  }
}
