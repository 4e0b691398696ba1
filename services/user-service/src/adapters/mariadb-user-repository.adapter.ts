import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { identityKey, usernameKey } from '../entities/user.entity.ts'
import type { User } from '../entities/user.entity.ts'
import { ConfirmationUsedError, DuplicateUserError, UserNotFoundError } from '../entities/user.errors.ts'
import { err, ok } from '@ripple/kit/domain'
import type { StoredUser, StoredUserChanges, UpdateOptions, UpdatePlan, UserRepository } from '../ports/user-repository.port.ts'
import { binToUuid, uuidToBin } from './uuid.codec.ts'

// Never the password column, except where a write's rules need the hash (STORED_COLUMNS).
const COLUMNS = 'id, username, email, fullName, dateOfBirth, address, status, createdAt, lastUpdated, passwordChangedAt'
const STORED_COLUMNS = `${COLUMNS}, password AS passwordHash`

// Column names come from this fixed map, never from input; only values are parameters.
const COLUMN_OF: Record<keyof StoredUserChanges, string> = {
  username: 'username',
  email: 'email',
  passwordHash: 'password',
  fullName: 'fullName',
  dateOfBirth: 'dateOfBirth',
  address: 'address',
  status: 'status',
  passwordChangedAt: 'passwordChangedAt'
}

// The UNIQUE keys the migration creates, by the field each protects.
const FIELD_OF_KEY: Record<string, 'username' | 'email'> = { uq_user_identity_username: 'username', uq_user_identity_email: 'email' }

/** A users row as mysql2 reads it: the user, with the id as its 16 stored bytes (and the hash where asked for). */
interface UserRow extends RowDataPacket, Omit<User, 'id'> {
  id: Buffer
  passwordHash?: string
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
  lastUpdated: row.lastUpdated,
  passwordChangedAt: row.passwordChangedAt
})

const toStoredUser = (row: UserRow): StoredUser => ({ ...toUser(row), passwordHash: row.passwordHash ?? '' })

const keyBytes = (value: string): Buffer => Buffer.from(identityKey(value), 'utf8')
const usernameKeyBytes = (value: string): Buffer => Buffer.from(usernameKey(value), 'utf8')

/** The domain error for a duplicate username/email, or undefined for any other failure. */
function duplicateOf (e: unknown): DuplicateUserError | undefined {
  const { code, sqlMessage } = e as { code?: string, sqlMessage?: string }
  if (code !== 'ER_DUP_ENTRY') return undefined
  // "Duplicate entry 'x' for key 'uq_user_identity_email'" (MySQL 8 prefixes the table).
  const key = /for key '(?:[^']*\.)?([^'.]+)'/.exec(sqlMessage ?? '')?.[1]
  const field = key ? FIELD_OF_KEY[key] : undefined
  return field ? new DuplicateUserError(field) : undefined
}

/**
 * A failed statement as it may be logged. mysql2's errors carry the statement with its bound
 * values (`sql`: the password hash of an INSERT) and the server's message may quote a value; this
 * error keeps the codes and the message with quoted values cut out, and no cause to follow.
 */
export class DatabaseError extends Error {
  readonly code: string | undefined
  readonly errno: number | undefined
  readonly sqlState: string | undefined

  constructor (e: { code?: string, errno?: number, sqlState?: string, sqlMessage?: string }) {
    super(`MariaDB refused a statement: ${e.code ?? 'unknown'}: ${(e.sqlMessage ?? '').replace(/(entry|value:?) '(?:[^'\\]|\\.)*'/gi, "$1 '…'")}`)
    this.name = 'DatabaseError'
    this.code = e.code
    this.errno = e.errno
    this.sqlState = e.sqlState
  }
}

/** Rethrows a statement's failure without its SQL and bound values; other failures (a lost connection) as they are. */
function safe (e: unknown): unknown {
  return e !== null && typeof e === 'object' && ('sql' in e || 'sqlMessage' in e) ? new DatabaseError(e as ConstructorParameters<typeof DatabaseError>[0]) : e
}

async function guarded<T> (work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (e) {
    throw safe(e)
  }
}

/** Runs work in one transaction on one connection: committed when it answers ok, rolled back when it answers an error or throws. */
async function inTransaction<T, E> (pool: Pool, work: (conn: PoolConnection) => Promise<{ ok: true, value: T } | { ok: false, error: E }>) {
  const conn = await pool.getConnection()
  try {
    await conn.beginTransaction()
    try {
      const result = await work(conn)
      if (result.ok) await conn.commit()
      else await conn.rollback()
      return result
    } catch (e) {
      await conn.rollback().catch(() => undefined)
      throw e
    }
  } finally {
    conn.release()
  }
}

export function createMariaDbUserRepository (pool: Pool): UserRepository {
  return {
    findById: id => guarded(async () => {
      const [rows] = await pool.execute<UserRow[]>(`SELECT ${COLUMNS} FROM users WHERE id = ?`, [uuidToBin(id)])
      return rows[0] ? toUser(rows[0]) : undefined
    }),

    findForSignIn: login => guarded(async () => {
      const [column, value] = 'username' in login ? ['usernameKey', login.username] : ['emailKey', login.email]
      const [rows] = await pool.query<UserRow[]>(
        `SELECT ${STORED_COLUMNS.split(', ').map(c => `u.${c}`).join(', ')} FROM user_identity_keys k JOIN users u ON u.id = k.userId WHERE k.${column} = ?`,
        ['username' in login ? usernameKeyBytes(value) : keyBytes(value)])
      return rows[0] ? toStoredUser(rows[0]) : undefined
    }),

    insert: (user, passwordHash) => guarded(async () => {
      try {
        return await inTransaction(pool, async conn => {
          const id = uuidToBin(user.id)
          await conn.query(
            'INSERT INTO users (id, username, email, password, fullName, dateOfBirth, address, status, createdAt, lastUpdated, passwordChangedAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
            [id, user.username, user.email, passwordHash, user.fullName, user.dateOfBirth, user.address, user.status, user.createdAt, user.lastUpdated, user.passwordChangedAt])
          await conn.query('INSERT INTO user_identity_keys (userId, usernameKey, emailKey) VALUES (?, ?, ?)', [id, usernameKeyBytes(user.username), keyBytes(user.email)])
          return ok(user)
        })
      } catch (e) {
        const duplicate = duplicateOf(e)
        if (duplicate) return err(duplicate)
        throw e
      }
    }),

    list: ({ limit, offset }) => guarded(async () => {
      const [rows] = await pool.query<UserRow[]>(`SELECT ${COLUMNS} FROM users ORDER BY createdAt, id LIMIT ? OFFSET ?`, [limit, offset])
      const [[count]] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS total FROM users')
      return { items: rows.map(toUser), total: Number(count?.total ?? 0) }
    }),

    update: <E>(id: string, lastUpdated: Date, plan: UpdatePlan<E>, options: UpdateOptions = {}) => guarded(async () => {
      const bin = uuidToBin(id)
      try {
        return await inTransaction<User, E | UserNotFoundError | ConfirmationUsedError>(pool, async conn => {
          // The row locked until commit: concurrent writers of this user wait, and each answers the
          // row as its own transaction left it. Prepared (execute): the same few statements on every
          // PATCH, parsed once per connection.
          const [locked] = await conn.execute<UserRow[]>(`SELECT ${STORED_COLUMNS} FROM users WHERE id = ? FOR UPDATE`, [bin])
          if (!locked[0]) return err(new UserNotFoundError(id))
          const planned = await plan(toStoredUser(locked[0]))
          if (!planned.ok) return planned
          if (options.spendToken) {
            // A concurrent use of the same token waits on this row's lock, then finds it spent.
            const [spent] = await conn.execute<ResultSetHeader>(
              'INSERT IGNORE INTO used_confirmation_tokens (tokenHash, userId, usedAt) VALUES (?, ?, ?)', [options.spendToken, bin, lastUpdated])
            if (spent.affectedRows === 0) return err(new ConfirmationUsedError())
          }
          const given = (Object.keys(COLUMN_OF) as (keyof StoredUserChanges)[]).filter(k => planned.value[k] !== undefined)
          // No real change writes nothing: no lastUpdated, no binlog row, no change event.
          if (given.length === 0) return ok(toUser(locked[0]))

          const sets = [...given.map(k => `${COLUMN_OF[k]} = ?`), 'lastUpdated = ?']
          await conn.execute(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`, [...given.map(k => planned.value[k]!), lastUpdated, bin])
          // The row as this transaction left it, without reading it back: the locked row (no one
          // else writes it until commit) with what this UPDATE set.
          const after: User = { ...toUser(locked[0]), lastUpdated }
          for (const k of given) if (k !== 'passwordHash') Object.assign(after, { [k]: planned.value[k] })
          if (planned.value.username !== undefined || planned.value.email !== undefined) {
            await conn.execute('DELETE FROM user_identity_keys WHERE userId = ?', [bin])
            await conn.execute('INSERT INTO user_identity_keys (userId, usernameKey, emailKey) VALUES (?, ?, ?)', [bin, usernameKeyBytes(after.username), keyBytes(after.email)])
          }
          return ok(after)
        })
      } catch (e) {
        const duplicate = duplicateOf(e)
        if (duplicate) return err(duplicate)
        throw e
      }
    }),

    replacePasswordHash: (id, current, replacement) => guarded(async () => {
      const [result] = await pool.execute<ResultSetHeader>('UPDATE users SET password = ? WHERE id = ? AND password = ?', [replacement, uuidToBin(id), current])
      return result.affectedRows > 0
    }),

    delete: id => guarded(async () => {
      const [result] = await pool.query<ResultSetHeader>('DELETE FROM users WHERE id = ?', [uuidToBin(id)])
      return result.affectedRows > 0
    })
  }
}
