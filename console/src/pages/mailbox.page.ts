import type { FastifyInstance } from 'fastify'
import { html } from 'ghtml'
import { z } from 'zod'
import { parseInput } from '@ripple/kit'
import { endpoints } from '@ripple/stack'
import type { ConsoleDeps } from '../console.deps.ts'
import { csrfOf, page } from './layout.ts'

interface Mail { id: string, from: string, to: string[], subject: string, text: string, date: string }

const mailQuery = z.object({ to: z.string().max(320).optional() }).strict()

export function mailboxPage (app: FastifyInstance, deps: ConsoleDeps): void {
  const { mailApiUrl } = endpoints(deps.config)
  app.get('/mail', async (req, reply) => {
    const q = parseInput(mailQuery, req.query, 'query')
    const params = new URLSearchParams({ newest: '100', ...(q.to ? { to: q.to.trim() } : {}) })
    const res = await fetch(`${mailApiUrl}/mails?${params}`, { signal: AbortSignal.timeout(5000) })
    const mails = res.ok ? await res.json() as Mail[] : []
    const body = html`<form method="get" action="/mail"><label>address <input name="to" type="search" value="${q.to ?? ''}" placeholder="someone@example.com"></label> <button type="submit">Search</button> <a href="/mail">all</a></form>
<p class="muted">The SMTP capture's newest 100 mails${q.to ? ' to that address' : ''}${res.ok ? '' : ' (the mail capture does not answer: ./ripple status)'}.</p>` +
      mails.map(m => html`<div class="msg mail"><h3>${m.subject}</h3><p>${m.date} · from ${m.from} · to ${m.to.join(', ')}</p><pre>${m.text}</pre></div>`).join('')
    return reply.type('text/html; charset=utf-8').send(page('Mailbox', '/mail', body, csrfOf(req, reply)))
  })
}
