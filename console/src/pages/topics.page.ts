import type { FastifyInstance } from 'fastify'
import { html } from 'ghtml'
import { z } from 'zod'
import { InvalidInputError, parseInput } from '@ripple/kit'
import type { ConsumedRecord, Conformance } from '@ripple/operations'
import { listTopics, topicConfigs, newestRecords, contractView, describeConformance, newestConformance } from '@ripple/operations'
import { StackError } from '@ripple/stack'
import type { ConsoleDeps } from '../console.deps.ts'
import { bytes, cell, csrfOf, enc, htmlCell, json, link, page, table } from './layout.ts'

const messagesQuery = z.object({
  partition: z.coerce.number().int().min(0).optional(),
  // `before=P:O,P:O` (where the page ends, per partition) or `before=O` with a partition.
  before: z.string().regex(/^(\d+:\d+)(,\d+:\d+)*$|^\d+$/, 'is PARTITION:OFFSET[,PARTITION:OFFSET…], or an offset with partition=').optional(),
  key: z.string().max(1000).optional(),
  q: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50)
}).strict()

function cursorOf (before: string | undefined, partition: number | undefined): Map<number, bigint> | undefined {
  if (before === undefined) return undefined
  if (/^\d+$/.test(before)) return new Map([[partition ?? 0, BigInt(before)]])
  return new Map(before.split(',').map(pair => { const [p, o] = pair.split(':'); return [Number(p), BigInt(o!)] }))
}

/** A record with its headers and, for a Debezium change or an outbox event, what it means. */
function messageView (r: ConsumedRecord): string {
  const headers = Object.entries(r.headers)
  const outbox = r.headers.id !== undefined || r.headers.eventType !== undefined
  return html`<div class="msg" data-offset="${r.partition}:${r.offset}"><h3>partition ${r.partition} · offset ${r.offset} · ${r.timestamp} · key <code>${r.key ?? '(none)'}</code></h3>` +
    (headers.length > 0 ? table(['header', 'value'], headers.map(([k, v]) => [cell(k), cell(v)])) : '') +
    (r.change
      ? html`<p><strong>Debezium change: ${r.change.op}</strong> · source ${JSON.stringify(r.change.source)}</p>` +
        table(['before', 'after'], [[htmlCell(json(r.change.before)), htmlCell(json(r.change.after))]])
      : outbox ? html`<p><strong>Outbox event</strong> ${r.headers.eventType ?? ''}</p>` + json(prettyJson(r.value)) : json(prettyJson(r.value))) +
    '</div>'
}

function prettyJson (value: string | null): string {
  if (value === null) return '(null: a tombstone)'
  try { return JSON.stringify(JSON.parse(value), null, 2) } catch { return value }
}

/** The topic's contract from the catalogue, and whether its newest records keep it. */
function contractSection (topic: string, checked: Conformance | undefined): string {
  const c = contractView(topic)
  if (!c) return html`<h2>Contract</h2><p class="muted" data-testid="contract">None: this topic is not in the topic catalogue (packages/contracts/src/topics.catalogue.ts).</p>`
  return html`<h2>Contract</h2><div data-testid="contract"><p>${c.summary}</p>` +
    table(['', ''], [
      [cell('key'), cell(c.key)],
      [cell('value'), cell(c.value)],
      [cell('fields'), cell(c.fields.join(', '))],
      [cell('produced by'), cell(c.producers.join(', '))],
      [cell('read by'), cell(c.consumers.join(', '))],
      [cell('partitions, cleanup'), cell(`${c.partitions}, ${c.cleanupPolicy}`)],
      [cell('dead letters'), cell(c.deadLetter ?? '-')]
    ]) +
    html`<p data-testid="conformance" class="${checked && checked.mismatches.length > 0 ? 'bad' : 'muted'}">${checked ? describeConformance(checked) : ''}</p></div>`
}

export function topicsPages (app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/topics', async (req, reply) => {
    const topics = await listTopics(deps.config)
    const body = table(['topic', 'partitions', 'replication', 'messages', 'end offsets', 'size'], topics.map(t => [
      htmlCell(link(`/topics/${enc(t.name)}`, t.name)), cell(t.partitions, 'num'), cell(t.replication, 'num'),
      cell(t.messages, 'num'), cell(t.endOffsets.join(', ')), cell(bytes(t.sizeBytes), 'num')
    ]))
    return reply.type('text/html; charset=utf-8').send(page('Topics', '/topics', body, csrfOf(req, reply)))
  })

  app.get<{ Params: { topic: string } }>('/topics/:topic', async (req, reply) => {
    const { topic } = req.params
    const q = parseInput(messagesQuery, req.query, 'query')
    // The console's own long-lived clients: a page opens no connection of its own. Asked first,
    // because a metadata request for a missing topic would have the broker create it.
    if (!(await deps.admin.listTopics({ includeInternals: true })).includes(topic)) throw new StackError('UNKNOWN_TOPIC', `There is no topic "${topic}": see /topics.`)
    const partitions = await deps.reader.partitions(topic)
    if (!partitions) throw new StackError('UNKNOWN_TOPIC', `There is no topic "${topic}": see /topics.`)
    const [configs, result, checked] = await Promise.all([
      topicConfigs(deps.admin, topic),
      newestRecords(deps.reader, topic, { partition: q.partition, before: cursorOf(q.before, q.partition), key: q.key || undefined, text: q.q || undefined, limit: q.limit }),
      newestConformance(deps.reader, topic)
    ])
    if (q.partition !== undefined && q.partition >= partitions.length) throw new InvalidInputError('partition', `must be below ${partitions.length}`)
    const base = `/topics/${enc(topic)}`
    const keep = (extra: Record<string, string>) => {
      const params = new URLSearchParams()
      if (q.partition !== undefined) params.set('partition', String(q.partition))
      if (q.key) params.set('key', q.key)
      if (q.q) params.set('q', q.q)
      for (const [k, v] of Object.entries(extra)) params.set(k, v)
      const s = params.toString()
      return s ? `${base}?${s}` : base
    }
    const older = result.next ? keep({ before: [...result.next].map(([p, o]) => `${p}:${o}`).join(',') }) : undefined
    const body = table(['partition', 'leader', 'replicas', 'in sync', 'first offset', 'end offset'], partitions.map(p => [
      htmlCell(link(`${base}?partition=${p.partition}`, String(p.partition))), cell(p.leader, 'num'), cell(p.replicas.join(', ')), cell(p.isr.join(', ')), cell(p.start, 'num'), cell(p.end, 'num')
    ])) +
      (Object.keys(configs).length > 0 ? table(['setting', 'value'], Object.entries(configs).map(([k, v]) => [cell(k), cell(v)])) : '') +
      contractSection(topic, checked) +
      html`<h2>Messages, newest first${q.partition === undefined ? '' : ` (partition ${q.partition})`}</h2>
<form method="get" action="${base}">!${q.partition === undefined ? '' : html`<input type="hidden" name="partition" value="${q.partition}">`}
<label>key <input name="key" value="${q.key ?? ''}"></label> <label>text <input name="q" value="${q.q ?? ''}"></label> <button type="submit">Filter</button> <a href="${base}">clear</a></form>
<p class="muted">Read offsets ${result.scanned.map(s => `${s.partition}:${s.from}–${s.to}`).join(', ')}${q.key || q.q ? ' (a filtered page looks 2,000 records back per partition)' : ''}.</p>` +
      (result.records.length === 0 ? html`<p>No messages${q.key || q.q ? ' match in this window' : ''}.</p>` : result.records.map(messageView).join('')) +
      (older ? html`<p><a href="${older}" rel="next">Older messages →</a></p>` : '')
    return reply.type('text/html; charset=utf-8').send(page(`Topic ${topic}`, '/topics', body, csrfOf(req, reply)))
  })
}
