import { randomUUID } from 'node:crypto'
import { ensureInboxTable, withInbox } from '@ripple/kit'
import type { Pool, PoolClient } from 'pg'
import type { Mail } from '../entities/mail.entity.ts'
import type { ClaimState, SentMailLog } from '../ports/sent-mail-log.port.ts'

const INBOX = 'inbox'

/** The inbox (processed event ids) and the log of sent mails, in the service's own database. */
export async function createPgSentMailLog (pool: Pool): Promise<SentMailLog> {
  await ensureInboxTable(pool, INBOX)
  await pool.query(`CREATE TABLE IF NOT EXISTS sent_mails (
    event_id text NOT NULL,
    seq int NOT NULL,
    kind text NOT NULL,
    recipient text NOT NULL,
    subject text NOT NULL,
    fields text[] NOT NULL,
    status text NOT NULL CHECK (status IN ('pending', 'sent')),
    claim_token uuid NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    PRIMARY KEY (event_id, seq)
  )`)

  const markSent = (db: Pool | PoolClient, eventId: string, seq: number, token: string) =>
    db.query("UPDATE sent_mails SET status = 'sent', sent_at = now() WHERE event_id = $1 AND seq = $2 AND claim_token = $3", [eventId, seq, token])

  return {
    async isProcessed (eventId) {
      const found = await pool.query(`SELECT 1 FROM ${INBOX} WHERE event_id = $1`, [eventId])
      return (found.rowCount ?? 0) > 0
    },

    async claim (eventId, mails: Mail[]) {
      const token = randomUUID()
      await pool.query(`INSERT INTO sent_mails (event_id, seq, kind, recipient, subject, fields, status, claim_token)
        SELECT $1, m.seq, m.kind, m.recipient, m.subject, ARRAY(SELECT jsonb_array_elements_text(m.fields)), 'pending', $2
        FROM jsonb_to_recordset($3::jsonb) AS m(seq int, kind text, recipient text, subject text, fields jsonb)
        ON CONFLICT (event_id, seq) DO NOTHING`,
      [eventId, token, JSON.stringify(mails.map((m, seq) => ({ seq, kind: m.kind, recipient: m.to, subject: m.subject, fields: m.fields })))])
      const rows = await pool.query<{ seq: number, status: string, claim_token: string }>('SELECT seq, status, claim_token FROM sent_mails WHERE event_id = $1', [eventId])
      const bySeq = new Map(rows.rows.map(r => [r.seq, r]))
      const states = mails.map((_, seq): ClaimState => {
        const row = bySeq.get(seq)
        if (row?.status === 'sent') return 'sent'
        return row?.claim_token === token ? 'claimed' : 'in-doubt'
      })
      return { token, states }
    },

    async release (eventId, seq, token) {
      await pool.query("DELETE FROM sent_mails WHERE event_id = $1 AND seq = $2 AND claim_token = $3 AND status = 'pending'", [eventId, seq, token])
    },

    async markSent (eventId, seq, token) {
      await markSent(pool, eventId, seq, token)
    },

    async complete (eventId, sent) {
      const result = await withInbox(pool, INBOX, eventId, async client => {
        if (sent) await markSent(client, eventId, sent.seq, sent.token)
      })
      // Another delivery of the event completed first; our mail still went out and is recorded as such.
      if (result === 'duplicate' && sent) await markSent(pool, eventId, sent.seq, sent.token)
      return result
    }
  }
}
