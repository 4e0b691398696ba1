import type { FastifyInstance } from 'fastify'
import { html } from 'ghtml'
import { z } from 'zod'
import { parseInput } from '@ripple/kit'
import { connectTarget, StackError } from '@ripple/stack'
import { connectFetch, connectorState, controlConnector, listConnectorStates, sourcePositionLost } from '@ripple/operations'
import type { ConnectorState } from '@ripple/operations'
import type { ConsoleDeps } from '../console.deps.ts'
import { action, cell, enc, htmlCell, link, page, state, table } from './layout.ts'

const actionParam = z.object({ name: z.string().min(1), action: z.enum(['restart', 'pause', 'resume', 'resnapshot']) }).strict()

const running = (s: string) => s === 'RUNNING'

function actions (csrf: string, name: string): string {
  const base = `/connectors/${enc(name)}`
  return ['restart', 'pause', 'resume'].map(a => action(csrf, `${base}/${a}`, a)).join(' ')
}

export function connectorsPages (app: FastifyInstance, deps: ConsoleDeps): void {
  // The console's own Connect account, not the CLI's.
  const connect = connectTarget(deps.config, 'console')

  app.get('/connectors', async (_req, reply) => {
    const states = await listConnectorStates(connect)
    const csrf = reply.generateCsrf()
    const body = table(['connector', 'type', 'state', 'tasks', 'actions'], states.map((s: ConnectorState) => [
      htmlCell(link(`/connectors/${enc(s.name)}`, s.name)), cell(s.type ?? ''), htmlCell(state(s.state, running(s.state))),
      htmlCell(s.tasks.map(t => state(`${t.id}: ${t.state}`, running(t.state))).join(' ')), htmlCell(actions(csrf, s.name))
    ]))
    return reply.type('text/html; charset=utf-8').send(page('Connectors', '/connectors', body, csrf))
  })

  app.get<{ Params: { name: string } }>('/connectors/:name', async (req, reply) => {
    const s = await connectorState(connect, req.params.name)
    if (!s) throw new StackError('UNKNOWN_CONNECTOR', `There is no connector "${req.params.name}": see /connectors.`)
    const res = await connectFetch(connect, `/connectors/${enc(s.name)}/config`, {}, 5000)
    // Connect shows ${file:…} placeholders here, never the passwords they stand for.
    const config = res.ok ? await res.json() as Record<string, string> : {}
    const csrf = reply.generateCsrf()
    // A source whose place in the database's log is gone gets the way out beside its trace.
    const lost = s.tasks.some(t => sourcePositionLost(t.trace))
    const body = html`<p>State !${state(s.state, running(s.state))} · !${actions(csrf, s.name)}</p>` +
      (lost ? html`<p class="bad" data-testid="position-lost">Its place in the source database's log is gone (purged). !${action(csrf, `/connectors/${enc(s.name)}/resnapshot`, 'resnapshot')} forgets its offsets and reads its tables again; consumers' inboxes absorb what they already had.</p>` : '') +
      html`<h2>Tasks</h2>` +
      table(['task', 'state', 'failure trace'], s.tasks.map(t => [cell(t.id, 'num'), htmlCell(state(t.state, running(t.state))), htmlCell(t.trace ? html`<pre class="trace">${t.trace}</pre>` : '')])) +
      html`<h2>Configuration</h2>` + table(['key', 'value'], Object.entries(config).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [cell(k), cell(v)]))
    return reply.type('text/html; charset=utf-8').send(page(`Connector ${s.name}`, '/connectors', body, csrf))
  })

  app.post<{ Params: { name: string, action: string } }>('/connectors/:name/:action', async (req, reply) => {
    const p = parseInput(actionParam, req.params, 'action')
    const after = await controlConnector(connect, p.name, p.action)
    req.log.info({ connector: p.name, action: p.action }, 'connector action from the console')
    if (!(req.headers.accept ?? '').includes('text/html')) return after
    return reply.redirect(`/connectors/${enc(p.name)}`, 303)
  })
}
