import type { RowDataPacket } from 'mysql2/promise'
import type { StackConfig } from '@ripple/stack'
import type { TraceStep } from './trace.types.ts'
import { consumerStep, describeGroups, isoOf, withKafka } from './kafka.reader.ts'
import type { WindowRecord } from './kafka.reader.ts'
import { isoDatetime, mariadbRows, microsOf, postgresRows, serviceDatabase } from './stores.reader.ts'

// A post (seed 004): post-service's row in MariaDB post_service_db.posts and its outbox row,
// written in one transaction → Debezium's EventRouter publishes the outbox row to
// outbox.event.post, keyed by the author, stamped with the row's created_at, its id in the `id`
// header → subscribe-service's group, inbox and notifications (with webhook deliveries) in PostgreSQL.

const TOPIC = 'outbox.event.post'
const GROUP = 'subscribe-service'
const POSTS_DATABASE = 'post_service_db'

interface PostRow extends RowDataPacket {
  author_id: string
  title: string
  created_at: string
  outbox_seq: number | null
  event_id: string | null
  event_type: string | null
  event_key: string | null
}

export async function tracePost (config: StackConfig, id: string): Promise<TraceStep[] | undefined> {
  const [rows, groups] = await Promise.all([
    // The outbox row has the post's created_at (postCreatedEvent), so the join goes by its index;
    // it is gone once the outbox's retention cleaned it up.
    mariadbRows<PostRow>(config, `SELECT p.author_id, p.title, ${isoDatetime('p.created_at')} AS created_at,
        o.seq AS outbox_seq, o.id AS event_id, o.type AS event_type, o.event_key
      FROM ${POSTS_DATABASE}.posts p
      LEFT JOIN ${POSTS_DATABASE}.outbox o ON o.created_at = p.created_at AND o.aggregatetype = 'post' AND o.aggregateid = CAST(p.id AS CHAR)
      WHERE p.id = ?`, [id]),
    describeGroups(config, [GROUP])
  ])
  // A post id names a post of the stack's post-service only (a test's own relay numbers its posts too): no row, nothing to trace.
  const row = rows[0]
  if (!row) return undefined
  const createdMicros = microsOf(row.created_at)
  const createdMs = createdMicros === undefined ? undefined : Math.floor(createdMicros / 1000)
  const key = row.event_key ?? row.author_id

  const isOurs = (r: WindowRecord): boolean => {
    if (row.event_id !== null) return r.headers.id === row.event_id
    if (r.key !== key) return false
    try {
      const payload = JSON.parse(r.value ?? '') as { id?: unknown, createdAt?: unknown }
      return String(payload.id) === id && typeof payload.createdAt === 'string' && Date.parse(payload.createdAt) === createdMs
    } catch {
      return false
    }
  }
  const read = await withKafka(config, async k => {
    const window = await k.windowFor(TOPIC, key, createdMs, isOurs)
    return window ? { window, found: (await k.read([window]))[0]! } : undefined
  })
  const event = read?.found.find(isOurs)

  const steps: TraceStep[] = [
    { stage: 'row', title: `MariaDB ${POSTS_DATABASE}.posts row`, at: row.created_at, ok: true, details: { database: POSTS_DATABASE, table: 'posts', id: Number(id), authorId: row.author_id, title: row.title, createdAt: row.created_at } },
    row.outbox_seq === null
      ? { stage: 'row', title: `MariaDB ${POSTS_DATABASE}.outbox row`, ok: event !== undefined, details: { database: POSTS_DATABASE, table: 'outbox', present: false, note: 'cleaned up after the outbox retention (or never written)' } }
      : { stage: 'row', title: `MariaDB ${POSTS_DATABASE}.outbox row`, at: row.created_at, ok: true, details: { database: POSTS_DATABASE, table: 'outbox', seq: Number(row.outbox_seq), eventId: row.event_id, type: row.event_type, key: row.event_key, aggregateId: id } }
  ]

  if (!event) {
    const w = read?.window
    steps.push({ stage: 'event', title: `${TOPIC} (not found)`, ok: false, details: { topic: TOPIC, partition: w?.partition ?? null, searchedFrom: w ? Number(w.from) : null, searchedTo: w ? Number(w.to) : null, note: 'the outbox event is not on the topic in the window read (yet)' } })
    steps.push(consumerStep(GROUP, groups.get(GROUP), undefined))
    steps.push({ stage: 'effect', title: 'notifications', ok: false, details: { status: 'no event yet' } })
    return steps
  }

  const eventId = event.headers.id ?? row.event_id
  steps.push({
    stage: 'event',
    title: `${TOPIC} ${event.partition}:${event.offset}`,
    at: isoOf(event.timestamp),
    ok: true,
    // The EventRouter keeps no binlog position on the record; the outbox row's seq is where it came from.
    details: { topic: TOPIC, partition: event.partition, offset: Number(event.offset), key: event.key, eventId: eventId ?? null, eventType: event.headers.eventType ?? null, source: 'Debezium EventRouter', outboxSeq: row.outbox_seq === null ? null : Number(row.outbox_seq) }
  })

  const [inbox, notifications] = eventId === undefined || eventId === null
    ? [[], []]
    : await postgresRows(config, serviceDatabase(config, GROUP, 'subscribe_service_db'), [
      { sql: 'SELECT processed_at FROM inbox WHERE event_id = $1', params: [eventId] },
      { sql: 'SELECT subscriber_id, webhook_url, delivery_state, attempts, last_error, created_at, delivered_at FROM notifications WHERE event_id = $1 ORDER BY id LIMIT 50', params: [eventId] }
    ])
  const processedAt = inbox![0]?.processed_at as Date | undefined
  steps.push(consumerStep(GROUP, groups.get(GROUP), event, { end: read!.window.end, ...(processedAt ? { at: processedAt.toISOString() } : {}), details: { inbox: processedAt !== undefined, processedAt: processedAt?.toISOString() ?? null } }))

  if (notifications!.length === 0) {
    steps.push({ stage: 'effect', title: 'notifications', ok: processedAt !== undefined, details: { count: 0, status: processedAt ? 'handled: the author has no subscribers' : 'not recorded yet' } })
    return steps
  }
  for (const n of notifications!) {
    const webhook = n.webhook_url as string | null
    const createdAt = n.created_at as Date
    const deliveredAt = n.delivered_at as Date | null
    steps.push({
      stage: 'effect',
      title: webhook ? `webhook to ${webhook} for ${String(n.subscriber_id)}` : `notification for ${String(n.subscriber_id)}`,
      at: (deliveredAt ?? createdAt).toISOString(),
      ok: webhook === null || n.delivery_state === 'delivered',
      details: { subscriber: String(n.subscriber_id), notifiedAt: createdAt.toISOString(), webhook, status: webhook ? String(n.delivery_state) : 'recorded', attempts: Number(n.attempts), lastError: (n.last_error as string | null) ?? null, deliveredAt: deliveredAt?.toISOString() ?? null }
    })
  }
  return steps
}
