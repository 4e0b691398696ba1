import { randomUUID } from 'node:crypto'
import { ensureInboxTable, statementBatcher } from '@ripple/kit'
import type { Pool } from 'pg'
import type { Mail } from '../entities/mail.entity.ts'
import type { ClaimState, SentMailLog } from '../ports/sent-mail-log.port.ts'

const INBOX = 'inbox'

interface ClaimRow { event_id: string, seq: number, kind: string, recipient: string, subject: string, fields: string[], token: string }
interface MailRow { event_id: string, seq: number | null }

const rowKey = (row: MailRow) => `${row.event_id}\n${row.seq}`
// Rows go in as one jsonb parameter, numbered so each caller finds its own answer.
const numbered = <T>(rows: T[]) => JSON.stringify(rows.map((row, n) => ({ ...row, n })))

// A claim of an event already in the inbox writes nothing; otherwise it inserts the pending row,
// or takes over a pending one (a sent row is left alone and not returned). xmax is 0 on a row the
// statement inserted, nonzero on one it updated. Rows are written in key order, so two batches
// that share rows (two members during a rebalance) lock them in the same order.
const CLAIM = `WITH input AS (
    SELECT r.*, EXISTS (SELECT 1 FROM ${INBOX} i WHERE i.event_id = r.event_id) AS processed
    FROM jsonb_to_recordset($1::jsonb) AS r(n int, event_id text, seq int, kind text, recipient text, subject text, fields text[], token uuid)
  ), claimed AS (
    INSERT INTO sent_mails AS s (event_id, seq, kind, recipient, subject, fields, status, claim_token)
    SELECT event_id, seq, kind, recipient, subject, fields, 'pending', token FROM input WHERE NOT processed ORDER BY event_id, seq
    ON CONFLICT (event_id, seq) DO UPDATE SET claim_token = EXCLUDED.claim_token, claimed_at = now() WHERE s.status = 'pending'
    RETURNING s.event_id, s.seq, s.xmax <> 0 AS taken_over
  )
  SELECT input.processed, claimed.taken_over FROM input LEFT JOIN claimed ON claimed.event_id = input.event_id AND claimed.seq = input.seq ORDER BY input.n`

const MARK_SENT = `UPDATE sent_mails s SET status = 'sent', sent_at = now()
  FROM jsonb_to_recordset($1::jsonb) AS r(event_id text, seq int)
  WHERE s.event_id = r.event_id AND s.seq = r.seq AND s.status = 'pending'`

// One statement is one transaction: each event's id enters the inbox together with the
// confirmation of its last mail, as the kit's withInbox does for one event, here for a batch. An
// event another delivery recorded first is 'duplicate'; its mail is still confirmed, as it went out.
const COMPLETE = `WITH input AS (
    SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(n int, event_id text, seq int)
  ), recorded AS (
    INSERT INTO ${INBOX} (event_id) SELECT event_id FROM input ORDER BY event_id ON CONFLICT (event_id) DO NOTHING RETURNING event_id
  ), confirmed AS (
    UPDATE sent_mails s SET status = 'sent', sent_at = now() FROM input
    WHERE s.event_id = input.event_id AND s.seq = input.seq AND s.status = 'pending'
  )
  SELECT recorded.event_id IS NOT NULL AS processed FROM input LEFT JOIN recorded USING (event_id) ORDER BY input.n`

/**
 * The inbox (processed event ids) and the log of sent mails, in the service's own database. The
 * events handled at once share their statements: one claim, one confirmation and one completion
 * statement per round trip for all of them, rather than a few round trips per mail.
 */
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

  const claim = statementBatcher(async (rows: ClaimRow[]) => {
    const result = await pool.query<{ processed: boolean, taken_over: boolean | null }>(CLAIM, [numbered(rows)])
    return result.rows.map((row): ClaimState => row.processed ? 'processed' : row.taken_over === null ? 'sent' : row.taken_over ? 'pending' : 'claimed')
  }, rowKey)
  const markSent = statementBatcher(async (rows: MailRow[]) => {
    await pool.query(MARK_SENT, [JSON.stringify(rows)])
    return rows.map(() => undefined)
  }, rowKey)
  const complete = statementBatcher(async (rows: MailRow[]) => {
    const result = await pool.query<{ processed: boolean }>(COMPLETE, [numbered(rows)])
    return result.rows.map(row => row.processed ? 'processed' as const : 'duplicate' as const)
  }, row => row.event_id)

  return {
    async claim (eventId, seq, mail: Mail) {
      const token = randomUUID()
      const state = await claim({ event_id: eventId, seq, kind: mail.kind, recipient: mail.to, subject: mail.subject, fields: mail.fields, token })
      return { token, state }
    },

    async release (eventId, seq, token) {
      await pool.query("DELETE FROM sent_mails WHERE event_id = $1 AND seq = $2 AND claim_token = $3 AND status = 'pending'", [eventId, seq, token])
    },

    async markSent (eventId, seq) {
      await markSent({ event_id: eventId, seq })
    },

    async complete (eventId, sentSeq) {
      return await complete({ event_id: eventId, seq: sentSeq ?? null })
    }
  }
}
