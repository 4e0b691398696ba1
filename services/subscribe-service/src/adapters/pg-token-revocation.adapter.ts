import type { Pool } from 'pg'
import type { TokenRevocationStore } from '../ports/token-revocation.port.ts'

interface StateRow { password_changed_at_ms: string | null, deleted: boolean }

export function createPgTokenRevocationStore (pool: Pool): TokenRevocationStore {
  return {
    async record ({ userId, passwordChangedAtMs, deleted }) {
      // GREATEST skips NULLs; merged, so an event redelivered or read again from the start never moves a user back.
      await pool.query(`
        INSERT INTO user_token_states (user_id, password_changed_at_ms, deleted) VALUES ($1, $2, $3)
        ON CONFLICT (user_id) DO UPDATE SET
          password_changed_at_ms = GREATEST(user_token_states.password_changed_at_ms, EXCLUDED.password_changed_at_ms),
          deleted = user_token_states.deleted OR EXCLUDED.deleted,
          updated_at = now()`,
      [userId, passwordChangedAtMs, deleted])
    },

    async find (userId) {
      const { rows } = await pool.query<StateRow>('SELECT password_changed_at_ms, deleted FROM user_token_states WHERE user_id = $1', [userId])
      const row = rows[0]
      return row && { passwordChangedAtMs: row.password_changed_at_ms === null ? null : Number(row.password_changed_at_ms), deleted: row.deleted }
    }
  }
}
