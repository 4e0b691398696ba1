import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import type { User } from '../entities/user.entity.ts'
import { DuplicateUserError, UserNotFoundError } from '../entities/user.errors.ts'
import { err, ok } from '@ripple/kit/domain'
import type { StoredUserChanges, UserRepository } from '../ports/user-repository.port.ts'
import { binToUuid, uuidToBin } from './uuid.codec.ts'

// Never the password column: the hash stays in the table.
const COLUMNS = 'id, username, email, fullName, dateOfBirth, address, status, createdAt, lastUpdated'

// Column names come from this fixed map, never from input; only values are parameters.
const COLUMN_OF: Record<keyof StoredUserChanges, string> = {
  username: 'username',
  email: 'email',
  passwordHash: 'password',
  fullName: 'fullName',
  dateOfBirth: 'dateOfBirth',
  address: 'address',
  status: 'status'
}

// The UNIQUE keys the migration creates, by the field each protects.
const FIELD_OF_KEY: Record<string, 'username' | 'email'> = { uq_users_username: 'username', uq_users_email: 'email' }

/** A users row as mysql2 reads it: the user, with the id as its 16 stored bytes. */
interface UserRow extends RowDataPacket, Omit<User, 'id'> {
  id: Buffer
}

const toUser = (row: UserRow): User => ({
  id: binToUuid(row.id),
  username: row.username,
  email: row.email,
  fullName: row.fullName,
  dateOfBirth: row.dateOfBirth,
  address: row.address,
  status: row.status,
  createdAt: row.createdAt,
  lastUpdated: row.lastUpdated
})

/** The domain error for a duplicate username/email, or undefined for any other failure. */
function duplicateOf (e: unknown): DuplicateUserError | undefined {
  const { code, sqlMessage } = e as { code?: string, sqlMessage?: string }
  if (code !== 'ER_DUP_ENTRY') return undefined
  // "Duplicate entry 'x' for key 'uq_users_email'" (MySQL 8 prefixes the table: 'users.uq_users_email').
  const key = /for key '(?:[^']*\.)?([^'.]+)'/.exec(sqlMessage ?? '')?.[1]
  const field = key ? FIELD_OF_KEY[key] : undefined
  return field ? new DuplicateUserError(field) : undefined
}

export function createMariaDbUserRepository (pool: Pool): UserRepository {
  const findById = async (id: string): Promise<User | undefined> => {
    const [rows] = await pool.query<UserRow[]>(`SELECT ${COLUMNS} FROM users WHERE id = ?`, [uuidToBin(id)])
    return rows[0] ? toUser(rows[0]) : undefined
  }

  return {
    findById,

    async insert (user, passwordHash) {
      try {
        await pool.query(
          'INSERT INTO users (id, username, email, password, fullName, dateOfBirth, address, status, createdAt, lastUpdated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
          [uuidToBin(user.id), user.username, user.email, passwordHash, user.fullName, user.dateOfBirth, user.address, user.status, user.createdAt, user.lastUpdated]
        )
        return ok(user)
      } catch (e) {
        const duplicate = duplicateOf(e)
        if (duplicate) return err(duplicate)
        throw e
      }
    },

    async list ({ limit, offset }) {
      const [rows] = await pool.query<UserRow[]>(`SELECT ${COLUMNS} FROM users ORDER BY createdAt, id LIMIT ? OFFSET ?`, [limit, offset])
      const [[count]] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS total FROM users')
      return { items: rows.map(toUser), total: Number(count?.total ?? 0) }
    },

    async update (id, changes, lastUpdated) {
      const given = (Object.keys(COLUMN_OF) as (keyof StoredUserChanges)[]).filter(k => changes[k] !== undefined)
      const sets = [...given.map(k => `${COLUMN_OF[k]} = ?`), 'lastUpdated = ?']
      const values = [...given.map(k => changes[k]), lastUpdated]
      try {
        const [result] = await pool.query<ResultSetHeader>(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, [...values, uuidToBin(id)])
        if (result.affectedRows === 0) return err(new UserNotFoundError(id))
      } catch (e) {
        const duplicate = duplicateOf(e)
        if (duplicate) return err(duplicate)
        throw e
      }
      // Read back what was stored, so the caller sees the new values exactly as saved.
      const user = await findById(id)
      return user ? ok(user) : err(new UserNotFoundError(id))
    },

    async delete (id) {
      const [result] = await pool.query<ResultSetHeader>('DELETE FROM users WHERE id = ?', [uuidToBin(id)])
      return result.affectedRows > 0
    }
  }
}
