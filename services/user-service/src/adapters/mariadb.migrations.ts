import { createMariaDbConnection, migrateMariaDbDatabase } from '@ripple/kit'
import type { MariaDbSettings } from '@ripple/kit'
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise'
import { identityKey, usernameKey } from '../entities/user.entity.ts'

/** How user-service reads values: a birth date is a calendar day, and as a JS Date it would shift with the time zone. */
export const USER_DB_OPTIONS = { dateStrings: ['DATE' as const] }

/**
 * The seed's users table, safe to run at every start-up. Changes from the seed:
 * - createdAt/lastUpdated are DATETIME(6), not DATE: change notifications need the moment a
 *   change happened, and a day cannot order two updates; they are NOT NULL because the service
 *   always sets them.
 * - passwordChangedAt: when the password last changed (NULL: never since sign-up). Captured by
 *   CDC, so notification-service can tell the owner, while the password column is not.
 * - No UNIQUE key on username or email here: the table's collation (utf8mb4_unicode_ci) weighs
 *   every character outside the BMP alike, so `😀_x` and `😁_x` collided. Uniqueness lives in
 *   user_identity_keys (below).
 */
const usersTable = `
  CREATE TABLE IF NOT EXISTS users (
    id BINARY(16) NOT NULL PRIMARY KEY,
    username VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    password VARCHAR(255) NOT NULL,
    fullName VARCHAR(255),
    dateOfBirth DATE,
    address VARCHAR(255),
    createdAt DATETIME(6) NOT NULL,
    lastUpdated DATETIME(6) NOT NULL,
    status ENUM('Unconfirmed', 'Confirmed') NOT NULL,
    passwordChangedAt DATETIME(6) NULL
  ) ENGINE=InnoDB`

/**
 * Which rule made a row's usernameKey: 1 identityKey (NFC), 2 usernameKey (NFKC). New rows get the
 * current one by default; the upgrade recomputes the older ones.
 */
const USERNAME_RULE = 2

/**
 * The uniqueness rules of usernames (usernameKey: NFKC plus full case folding) and emails
 * (identityKey: NFC plus full case folding, every other difference counts) as UNIQUE keys on the
 * folded values' bytes: VARBINARY compares bytes,
 * no collation in the way. Its own table, so the captured users rows keep their columns; the CDC
 * connector captures userdata.users only. 3072 bytes is InnoDB's longest key and holds the fold of
 * any 255-character value. The key names tell the adapter which field was a duplicate.
 */
const identityKeysTable = `
  CREATE TABLE IF NOT EXISTS user_identity_keys (
    userId BINARY(16) NOT NULL PRIMARY KEY,
    usernameKey VARBINARY(3072) NOT NULL,
    emailKey VARBINARY(3072) NOT NULL,
    usernameRule TINYINT NOT NULL DEFAULT ${USERNAME_RULE},
    UNIQUE KEY uq_user_identity_username (usernameKey),
    UNIQUE KEY uq_user_identity_email (emailKey),
    CONSTRAINT fk_user_identity_user FOREIGN KEY (userId) REFERENCES users (id) ON DELETE CASCADE
  ) ENGINE=InnoDB`

/** SHA-256 of each confirmation token already used, so a link works once. Not captured (not users). */
const usedConfirmationTokensTable = `
  CREATE TABLE IF NOT EXISTS used_confirmation_tokens (
    tokenHash BINARY(32) NOT NULL PRIMARY KEY,
    userId BINARY(16) NOT NULL,
    usedAt DATETIME(6) NOT NULL
  ) ENGINE=InnoDB`

/** Upgrades a users table made by an earlier version; each step only when it is still needed, so a restart writes no DDL. */
async function upgrade (settings: MariaDbSettings): Promise<void> {
  const conn = await createMariaDbConnection(settings)
  try {
    const [columns] = await conn.query<RowDataPacket[]>(
      "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND COLUMN_NAME = 'passwordChangedAt'")
    if (columns.length === 0) await conn.query('ALTER TABLE users ADD COLUMN IF NOT EXISTS passwordChangedAt DATETIME(6) NULL')
    const [indexes] = await conn.query<RowDataPacket[]>(
      "SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users' AND INDEX_NAME IN ('uq_users_username', 'uq_users_email')")
    if (indexes.length > 0) await conn.query('ALTER TABLE users DROP INDEX IF EXISTS uq_users_username, DROP INDEX IF EXISTS uq_users_email')

    // Users from before user_identity_keys get their keys. The old UNIQUE keys equated more values
    // than the new rule, so old rows hardly ever collide; if two do, the older keeps the key.
    const [missing] = await conn.query<RowDataPacket[]>(
      'SELECT u.id, u.username, u.email FROM users u LEFT JOIN user_identity_keys k ON k.userId = u.id WHERE k.userId IS NULL ORDER BY u.createdAt')
    for (const row of missing) {
      await conn.query('INSERT IGNORE INTO user_identity_keys (userId, usernameKey, emailKey) VALUES (?, ?, ?)',
        [row.id, Buffer.from(usernameKey(row.username as string)), Buffer.from(identityKey(row.email as string))])
    }

    await upgradeUsernameKeys(conn)
  } finally {
    await conn.end()
  }
}

/**
 * Usernames keyed under the NFC rule get their NFKC key, oldest account first. Two accounts whose
 * names differed only by a compatibility form (`ａdmin` and `admin`) collide under the new rule:
 * the older takes the new key, the newer keeps its old one (still unique, and still found by its
 * email) and is counted in the warning, since an operator may want to rename it.
 */
async function upgradeUsernameKeys (conn: Awaited<ReturnType<typeof createMariaDbConnection>>): Promise<void> {
  const [rule] = await conn.query<RowDataPacket[]>(
    "SELECT 1 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'user_identity_keys' AND COLUMN_NAME = 'usernameRule'")
  if (rule.length === 0) {
    // Rows from before the column are of rule 1; rows inserted afterwards get the current rule.
    await conn.query('ALTER TABLE user_identity_keys ADD COLUMN IF NOT EXISTS usernameRule TINYINT NOT NULL DEFAULT 1')
    await conn.query(`ALTER TABLE user_identity_keys ALTER COLUMN usernameRule SET DEFAULT ${USERNAME_RULE}`)
  }
  const [old] = await conn.query<RowDataPacket[]>(
    'SELECT u.id, u.username FROM user_identity_keys k JOIN users u ON u.id = k.userId WHERE k.usernameRule < ? ORDER BY u.createdAt, u.id', [USERNAME_RULE])
  let kept = 0
  for (const row of old) {
    const [moved] = await conn.query<ResultSetHeader>('UPDATE IGNORE user_identity_keys SET usernameKey = ?, usernameRule = ? WHERE userId = ?',
      [Buffer.from(usernameKey(row.username as string)), USERNAME_RULE, row.id])
    if (moved.affectedRows === 0) {
      await conn.query('UPDATE user_identity_keys SET usernameRule = ? WHERE userId = ?', [USERNAME_RULE, row.id])
      kept++
    }
  }
  if (kept > 0) process.emitWarning(`user-service: ${kept} username(s) equal an older account's under NFKC and case folding; they keep their old key`)
}

export async function migrate (settings: MariaDbSettings): Promise<void> {
  await migrateMariaDbDatabase(settings, [usersTable, identityKeysTable, usedConfirmationTokensTable])
  await upgrade(settings)
}

