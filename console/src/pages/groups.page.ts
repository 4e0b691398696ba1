import type { FastifyInstance } from 'fastify'
import { html } from 'ghtml'
import { z } from 'zod'
import { parseInput } from '@ripple/kit'
import { describeGroup, listGroups, resetGroup } from '@ripple/operations'
import type { ConsoleDeps } from '../console.deps.ts'
import { action, cell, csrfOf, enc, htmlCell, link, page, sparkline, table } from './layout.ts'

const resetForm = z.object({
  topic: z.string().min(1, 'names the topic whose offsets move'),
  to: z.enum(['earliest', 'latest', 'datetime']),
  at: z.string().optional()
}).strict()

export function groupsPages (app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/groups', async (req, reply) => {
    const groups = await listGroups(deps.config)
    const body = table(['group', 'state', 'protocol', 'lag (last sample)'], groups.map(g => [
      htmlCell(link(`/groups/${enc(g.id)}`, g.id)), cell(g.state), cell(g.protocolType), cell(deps.lag.series(g.id).at(-1)?.v ?? '', 'num')
    ]))
    return reply.type('text/html; charset=utf-8').send(page('Consumer groups', '/groups', body, csrfOf(req, reply)))
  })

  app.get<{ Params: { group: string } }>('/groups/:group', async (req, reply) => {
    const g = await describeGroup(deps.config, req.params.group)
    const totalLag = g.offsets.reduce((sum, o) => sum + BigInt(o.lag ?? 0), 0n)
    const topics = [...new Set(g.offsets.map(o => o.topic))]
    const base = `/groups/${enc(g.id)}`
    const csrf = reply.generateCsrf()
    const body = html`<p>State <strong>${g.state}</strong> · ${g.members.length} member(s) · total lag <strong data-testid="total-lag">${String(totalLag)}</strong></p>` +
      html`<h2>Lag over the last minutes</h2>!${sparkline(deps.lag.series(g.id))}` +
      html`<h2>Members</h2>` +
      table(['member', 'client', 'host', 'assignment'], g.members.map(m => [cell(m.id), cell(m.clientId), cell(m.host), cell(m.assignment.map(a => `${a.topic}[${a.partitions.join(',')}]`).join(' '))])) +
      html`<h2>Offsets and lag per partition</h2>` +
      table(['topic', 'partition', 'committed', 'end', 'lag', 'member'], g.offsets.map(o => [
        htmlCell(link(`/topics/${enc(o.topic)}?partition=${o.partition}`, o.topic)), cell(o.partition, 'num'), cell(o.committed ?? '(none)', 'num'), cell(o.end, 'num'), cell(o.lag ?? '', 'num'), cell(o.member ?? '')
      ])) +
      (g.members.length > 0
        ? html`<p class="muted">Reset is possible once the group has no members (stop its consumers first, e.g. ./ripple stop &lt;service&gt;).</p>`
        : html`<h2>Reset offsets</h2>!${topics.map(t => html`<p>${t}: !${action(csrf, `${base}/reset`, 'to earliest', { topic: t, to: 'earliest' })} !${action(csrf, `${base}/reset`, 'to latest', { topic: t, to: 'latest' })}</p>`)}`)
    return reply.type('text/html; charset=utf-8').send(page(`Group ${g.id}`, '/groups', body, csrf))
  })

  app.post<{ Params: { group: string } }>('/groups/:group/reset', async (req, reply) => {
    const form = parseInput(resetForm, req.body)
    const target = form.to === 'datetime'
      ? { to: 'datetime' as const, at: new Date(parseInput(z.object({ at: z.iso.datetime({ offset: true }) }), { at: form.at }).at) }
      : { to: form.to }
    const moved = await resetGroup(deps.config, req.params.group, form.topic, target)
    req.log.info({ group: req.params.group, topic: form.topic, moved }, 'group offsets reset from the console')
    if (!(req.headers.accept ?? '').includes('text/html')) return { group: req.params.group, topic: form.topic, offsets: moved }
    return reply.redirect(`/groups/${enc(req.params.group)}`, 303)
  })
}
