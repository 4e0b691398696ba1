import type { FastifyInstance } from 'fastify'
import { html } from 'ghtml'
import { z } from 'zod'
import { HttpError, parseInput } from '@ripple/kit'
import type { ConsoleDeps } from '../console.server.ts'
import { SESSION_COOKIE } from '../operator.auth.ts'
import { page } from './layout.ts'

const loginForm = z.object({ key: z.string().min(1, 'is the operator key') }).strict()

export function loginPages (app: FastifyInstance, deps: ConsoleDeps): void {
  app.get('/login', async (req, reply) => {
    const body = deps.auth.signedIn(req)
      ? html`<p class="ok">Signed in: write actions (reset, restart, pause, resume, replay) are enabled.</p>`
      : html`<p>Reading needs nothing; actions that change the stack need the operator key (RIPPLE_OPERATOR_KEY, or OPERATOR_KEY in .ripple/secrets.json).</p>
<form method="post" action="/login"><label>operator key <input type="password" name="key" autocomplete="current-password"></label> <button type="submit">Sign in</button></form>`
    return reply.type('text/html; charset=utf-8').send(page('Operator sign-in', '/login', body))
  })

  app.post('/login', async (req, reply) => {
    const form = parseInput(loginForm, req.body)
    if (!deps.auth.keyMatches(form.key)) throw new HttpError(403, 'WRONG_OPERATOR_KEY', 'That is not the operator key.', 'key')
    // No Secure flag: the console listens on 127.0.0.1 over plain HTTP only.
    void reply.setCookie(SESSION_COOKIE, deps.auth.session, { httpOnly: true, sameSite: 'strict', path: '/' })
    return reply.redirect('/login', 303)
  })
}
