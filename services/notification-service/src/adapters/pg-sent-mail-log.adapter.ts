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

  const markSent = (db: Pool | PoolClient, eventId: string, seq: number) =>
    db.query("UPDATE sent_mails SET status = 'sent', sent_at = now() WHERE event_id = $1 AND seq = $2 AND status = 'pending'", [eventId, seq])

  return {
    async isProcessed (eventId) {
      const found = await pool.query(`SELECT 1 FROM ${INBOX} WHERE event_id = $1`, [eventId])
      return (found.rowCount ?? 0) > 0
    },

    async claim (eventId, seq, mail: Mail) {
      const token = randomUUID()
      // Claims a new mail or takes over a pending one in one statement; a sent row is left alone
      // and not returned. xmax is 0 on a row the statement inserted, nonzero on one it updated.
      const row = await pool.query<{ taken_over: boolean }>(`INSERT INTO sent_mails (event_id, seq, kind, recipient, subject, fields, status, claim_token)
        VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)
        ON CONFLICT (event_id, seq) DO UPDATE SET claim_token = EXCLUDED.claim_token, claimed_at = now() WHERE sent_mails.status = 'pending'
        RETURNING xmax <> 0 AS taken_over`,
      [eventId, seq, mail.kind, mail.to, mail.subject, mail.fields, token])
      const found = row.rows[0]
      const state: ClaimState = found === undefined ? 'sent' : found.taken_over ? 'pending' : 'claimed'
      return { token, state }
    },

    async release (eventId, seq, token) {
      await pool.query("DELETE FROM sent_mails WHERE event_id = $1 AND seq = $2 AND claim_token = $3 AND status = 'pending'", [eventId, seq, token])
    },

    async markSent (eventId, seq) {
      await markSent(pool, eventId, seq)
    },

    async complete (eventId, sentSeq) {
      const result = await withInbox(pool, INBOX, eventId, async client => {
        if (sentSeq !== undefined) await markSent(client, eventId, sentSeq)
      })
      // Another delivery of the event completed first; our mail still went out and is recorded as such.
      if (result === 'duplicate' && sentSeq !== undefined) await markSent(pool, eventId, sentSeq)
      return result
    }
  }
}
