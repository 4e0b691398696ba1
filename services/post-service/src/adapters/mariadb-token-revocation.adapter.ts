import type { Pool, RowDataPacket } from 'mysql2/promise'
import type { TokenRevocationStore } from '../ports/token-revocation.port.ts'

export function createMariaDbTokenRevocationStore (pool: Pool): TokenRevocationStore {
  return {
    async record ({ userId, passwordChangedAtMs, deleted }) {
      // Merged, so an event redelivered or read again from the start never moves a user back
      // (MariaDB's GREATEST is NULL when either side is, hence the COALESCEs).
      await pool.execute(`
        INSERT INTO user_token_states (user_id, password_changed_at_ms, deleted, updated_at) VALUES (?, ?, ?, NOW(6))
        ON DUPLICATE KEY UPDATE
          password_changed_at_ms = GREATEST(COALESCE(password_changed_at_ms, VALUES(password_changed_at_ms)), COALESCE(VALUES(password_changed_at_ms), password_changed_at_ms)),
          deleted = deleted OR VALUES(deleted),
          updated_at = NOW(6)`,
      [userId, passwordChangedAtMs, deleted ? 1 : 0])
    },

    async find (userId) {
      const [rows] = await pool.execute<RowDataPacket[]>('SELECT password_changed_at_ms, deleted FROM user_token_states WHERE user_id = ?', [userId])
      const row = rows[0]
      return row && { passwordChangedAtMs: row.password_changed_at_ms === null ? null : Number(row.password_changed_at_ms), deleted: Number(row.deleted) === 1 }
    }
  }
}
