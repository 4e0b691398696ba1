import { createHash } from 'node:crypto'
import { changeEventId, decodeChangeEvent, decodeChangeKey } from '@ripple/kit'
import type { RowDataPacket } from 'mysql2/promise'
import type { StackConfig } from '@ripple/stack'
import { changeOf } from '@ripple/operations'
import type { TraceStep } from './trace.types.ts'
import { consumerStep, describeGroups, isoOf, withKafka } from './kafka.reader.ts'
import type { WindowRecord } from './kafka.reader.ts'
import { capturedMails, isoDatetime, mariadbRows, microsOf, postgresRows, serviceDatabase } from './stores.reader.ts'

// A user's change (seed 000): user-service's row in MariaDB userdata.users → Debezium's
// cdc.table.userdata.users, keyed by {"id": hex} → notification-service's group, inbox and
// sent-mail log in PostgreSQL → the mails in the SMTP capture.

const TOPIC = 'cdc.table.userdata.users'
const GROUP = 'notification-service'

interface UserRow extends RowDataPacket { username: string, email: string, status: string, createdAt: string, lastUpdated: string }

/** notification-service's Message-ID of a mail (messageIdFor there): the same on every send, so the capture's copy is found by it. */
const messageIdFor = (eventId: string, kind: string) => `<${createHash('sha256').update(`${eventId}\n${kind}`).digest('hex')}@ripple.local>`

const keyIdOf = (r: WindowRecord): string | undefined => {
  try {
    const id = decodeChangeKey(r.key)?.id
    return typeof id === 'string' ? id.toLowerCase() : undefined
  } catch {
    return undefined
  }
}

const lastUpdatedOf = (r: WindowRecord): unknown => {
  const change = changeOf(r.value)
  return (change?.after as Record<string, unknown> | null | undefined)?.lastUpdated
}

export async function traceUser (config: StackConfig, id: string): Promise<TraceStep[] | undefined> {
  const hex = id.replaceAll('-', '')
  const [rows, groups] = await Promise.all([
    mariadbRows<UserRow>(config, `SELECT username, email, status, ${isoDatetime('createdAt')} AS createdAt, ${isoDatetime('lastUpdated')} AS lastUpdated FROM userdata.users WHERE id = UNHEX(?)`, [hex]),
    describeGroups(config, [GROUP])
  ])
  const row = rows[0]
  const rowMicros = row ? microsOf(row.lastUpdated) : undefined

  // The row's last change is the one traced: the event whose after image has its lastUpdated;
  // without the row (deleted), the key's newest event.
  const records = await withKafka(config, async k => {
    const window = await k.windowFor(TOPIC, JSON.stringify({ id: hex }), rowMicros === undefined ? undefined : Math.floor(rowMicros / 1000),
      r => rowMicros !== undefined && keyIdOf(r) === hex && lastUpdatedOf(r) === rowMicros)
    return window ? { window, found: (await k.read([window]))[0]! } : undefined
  })
  const mine = records?.found.filter(r => keyIdOf(r) === hex) ?? []
  const event = (rowMicros === undefined ? undefined : mine.find(r => lastUpdatedOf(r) === rowMicros)) ?? (row ? undefined : mine.at(-1))
  if (!row && !event) return undefined

  const steps: TraceStep[] = [row
    ? { stage: 'row', title: 'MariaDB userdata.users row', at: row.lastUpdated, ok: true, details: { database: 'userdata', table: 'users', id, username: row.username, email: row.email, status: row.status, createdAt: row.createdAt, lastUpdated: row.lastUpdated } }
    : { stage: 'row', title: 'MariaDB userdata.users row', ok: false, details: { database: 'userdata', table: 'users', id, present: false, note: 'no row: the user was deleted' } }]

  if (!event) {
    const w = records?.window
    steps.push({ stage: 'event', title: `${TOPIC} (not found)`, ok: false, details: { topic: TOPIC, partition: w?.partition ?? null, searchedFrom: w ? Number(w.from) : null, searchedTo: w ? Number(w.to) : null, note: 'no change event for this row in the window read yet' } })
    steps.push(consumerStep(GROUP, groups.get(GROUP), undefined))
    steps.push({ stage: 'effect', title: 'mail', ok: false, details: { status: 'no event yet' } })
    return steps
  }

  const change = changeOf(event.value)
  // notification-service's name for the change (its inbox and sent-mail log go by it).
  let eventId: string | null = null
  try {
    const decoded = decodeChangeEvent(event.value)
    if (decoded.kind === 'change') eventId = changeEventId(decoded.event, event)
  } catch {
    // Not a change event notification-service could read: it dead-letters such a record, so no mail follows.
  }
  const source = change?.source ?? {}
  const position = (k: string) => { const v = source[k]; return typeof v === 'string' || typeof v === 'number' ? v : null }
  steps.push({
    stage: 'event',
    title: `${TOPIC} ${event.partition}:${event.offset}`,
    at: isoOf(event.timestamp),
    ok: true,
    details: { topic: TOPIC, partition: event.partition, offset: Number(event.offset), key: event.key, op: change?.op ?? null, file: position('file'), pos: position('pos'), row: position('row'), gtid: position('gtid'), sourceTsMs: position('ts_ms'), eventId }
  })

  const database = serviceDatabase(config, GROUP, 'notification_service')
  const [inbox, mails] = eventId === null
    ? [[], []]
    : await postgresRows(config, database, [
      { sql: 'SELECT processed_at FROM inbox WHERE event_id = $1', params: [eventId] },
      { sql: 'SELECT seq, kind, recipient, subject, status, claimed_at, sent_at FROM sent_mails WHERE event_id = $1 ORDER BY seq', params: [eventId] }
    ])
  const processedAt = inbox![0]?.processed_at as Date | undefined
  steps.push(consumerStep(GROUP, groups.get(GROUP), event, { end: records!.window.end, ...(processedAt ? { at: processedAt.toISOString() } : {}), details: { inbox: processedAt !== undefined, processedAt: processedAt?.toISOString() ?? null } }))

  if (mails!.length === 0) {
    steps.push({ stage: 'effect', title: 'mail', ok: false, details: { status: processedAt ? 'no mail for this change' : 'not sent yet' } })
    return steps
  }
  const recipients = [...new Set(mails!.map(m => String(m.recipient).toLowerCase()))]
  const captured = new Map(await Promise.all(recipients.map(async to => [to, await capturedMails(config, to).catch(() => undefined)] as const)))
  for (const m of mails!) {
    const messageId = messageIdFor(eventId!, String(m.kind))
    const inbox = captured.get(String(m.recipient).toLowerCase())
    const copy = inbox?.find(c => c.messageId === messageId)
    const sentAt = m.sent_at as Date | null
    steps.push({
      stage: 'effect',
      title: `mail to ${String(m.recipient)}`,
      ...(copy ? { at: copy.date } : sentAt ? { at: sentAt.toISOString() } : {}),
      ok: copy !== undefined,
      details: { kind: String(m.kind), subject: String(m.subject), status: String(m.status), sentAt: sentAt?.toISOString() ?? null, messageId, captured: copy !== undefined, capturedAt: copy?.date ?? null, ...(inbox ? {} : { error: 'the mail capture did not answer' }) }
    })
  }
  return steps
}
