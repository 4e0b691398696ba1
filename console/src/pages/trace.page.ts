import type { FastifyInstance } from 'fastify'
import { html } from 'ghtml'
import { z } from 'zod'
import { parseInput } from '@ripple/kit'
import type { ConsoleDeps } from '../console.deps.ts'
import { traceChange } from '../trace/change.trace.ts'
import type { TraceStep } from '../trace/change.trace.ts'
import { cell, csrfOf, page, table } from './layout.ts'

const traceQuery = z.object({
  kind: z.enum(['user', 'post', 'job']).optional(),
  id: z.string().trim().max(200).optional()
}).strict()

const STAGES: Record<TraceStep['stage'], string> = { row: 'row', event: 'change event', consumer: 'consumer', effect: 'effect' }

/** Each step with its time and how long after the row's change it came. */
function stepView (s: TraceStep, startMs: number | undefined): string {
  const after = s.at && startMs !== undefined ? ` (+${Date.parse(s.at) - startMs} ms)` : ''
  return html`<div class="step ${s.ok ? 'ok' : 'bad'}" data-stage="${s.stage}"><strong>${STAGES[s.stage]}</strong> · ${s.title}${s.at ? ` · ${s.at}${after}` : ''} · <span class="${s.ok ? 'ok' : 'bad'}">${s.ok ? 'done' : 'not (yet)'}</span>` +
    table([], Object.entries(s.details).map(([k, v]) => [cell(k), cell(v)])) + '</div>'
}

export function tracePage (app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/trace', async (req, reply) => {
    const q = parseInput(traceQuery, req.query, 'query')
    const kind = q.kind ?? 'user'
    const form = html`<form method="get" action="/trace"><select name="kind">!${(['user', 'post', 'job'] as const).map(k => html`<option value="${k}"${k === kind ? ' selected' : ''}>${k} id</option>`)}</select>
<input name="id" value="${q.id ?? ''}" placeholder="an id" required> <button type="submit">Trace</button></form>`
    let body = form + html`<p class="muted">Follows one change from its row through its event on Kafka and each consumer to its effect, with times.</p>`
    if (q.id) {
      const trace = await traceChange(deps.config, kind, q.id)
      const first = trace.steps.find(s => s.at)?.at
      body += trace.found ? trace.steps.map(s => stepView(s, first ? Date.parse(first) : undefined)).join('') : html`<div class="notice">No ${kind} with id ${q.id} was found.</div>`
    }
    return reply.type('text/html; charset=utf-8').send(page('Trace a change', '/trace', body, csrfOf(req, reply)))
  })
}
