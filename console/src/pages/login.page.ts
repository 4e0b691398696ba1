import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { html } from 'ghtml'
import { z } from 'zod'
import { HttpError, parseInput } from '@ripple/kit'
import type { ConsoleDeps } from '../console.deps.ts'
import { SESSION_COOKIE } from '../operator.auth.ts'
import { action, csrfOf, page } from './layout.ts'

/** Where the sign-in returns to: a path of this console only, never another site (`//host`, `/\host`). */
const localPath = z.string().max(2000).regex(/^\/(?![/\\])[^\s]*$/, 'is a path of this console, starting with one /')

const loginForm = z.object({ key: z.string().min(1, 'is the operator key').max(1000), next: localPath.optional() }).strict()
const loginQuery = z.object({ next: localPath.optional() }).strict()

const wantsHtml = (req: FastifyRequest): boolean => (req.headers.accept ?? '').includes('text/html')

export function loginPages (app: FastifyInstance, deps: ConsoleDeps): void {
  const cookieOptions = (req: FastifyRequest) => ({
    httpOnly: true,
    sameSite: 'strict' as const,
    path: '/',
    // Over plain HTTP (the default: 127.0.0.1 only) a Secure cookie would never come back.
    secure: req.protocol === 'https'
  })

  app.get('/login', async (req, reply) => {
    const q = parseInput(loginQuery, req.query, 'query')
    const csrf = csrfOf(req, reply)
    const body = csrf !== undefined
      ? html`<p class="ok">Signed in: every page and action is open to you until you sign out or the session expires (${minutes(deps.sessions.timeouts.idleMs)} min idle, ${minutes(deps.sessions.timeouts.maxMs)} min at most).</p>!${action(csrf, '/logout', 'Sign out')}`
      : html`<p>Every page of the console needs the operator key (RIPPLE_OPERATOR_KEY, or OPERATOR_KEY in .ripple/secrets.json).</p>
<form method="post" action="/login">!${q.next ? html`<input type="hidden" name="next" value="${q.next}">` : ''}<label>operator key <input type="password" name="key" autocomplete="current-password" required></label> <button type="submit">Sign in</button></form>`
    return reply.type('text/html; charset=utf-8').send(page('Operator sign-in', '/login', body, csrf))
  })

  app.post('/login', async (req, reply) => {
    const form = parseInput(loginForm, req.body)
    if (!(await deps.operatorKey.matches(form.key))) throw new HttpError(403, 'WRONG_OPERATOR_KEY', 'That is not the operator key.', 'key')
    // A new id at every sign-in: a session id planted before it (session fixation) names nothing.
    deps.sessions.close(req.cookies[SESSION_COOKIE])
    const { token, session } = deps.sessions.open()
    req.session = session
    void reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions(req), maxAge: Math.floor(deps.sessions.timeouts.maxMs / 1000) })
    if (wantsHtml(req)) return reply.redirect(form.next ?? '/', 303)
    return sessionView(deps, req, reply)
  })

  // A script's view of its session: the CSRF token its writes send as x-csrf-token.
  app.get('/session', async (req, reply) => sessionView(deps, req, reply))

  app.post('/logout', async (req, reply) => {
    deps.sessions.close(req.cookies[SESSION_COOKIE])
    void reply.clearCookie(SESSION_COOKIE, cookieOptions(req))
    if (wantsHtml(req)) return reply.redirect('/login', 303)
    return { signedIn: false }
  })
}

function sessionView (deps: ConsoleDeps, req: FastifyRequest, reply: FastifyReply) {
  const s = req.session!
  return {
    signedIn: true,
    csrfToken: reply.generateCsrf(),
    idleTimeoutMs: deps.sessions.timeouts.idleMs,
    expiresAt: new Date(s.createdAt + deps.sessions.timeouts.maxMs).toISOString()
  }
}

const minutes = (ms: number): string => String(Math.round(ms / 60_000))
