import type { FastifyReply, FastifyRequest } from 'fastify'
import { html } from 'ghtml'

// Every page is rendered on the server from data read for that request: no client bundle and no
// build step. ghtml escapes every interpolation; `!${…}` marks the ones that are already HTML.

const NAV = [
  ['/', 'Overview'], ['/topics', 'Topics'], ['/groups', 'Consumer groups'], ['/connectors', 'Connectors'],
  ['/dlq', 'Dead letters'], ['/mail', 'Mailbox'], ['/trace', 'Trace a change']
] as const

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d232b;background:#f6f7f9}
header{background:#14324a;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
header a{color:#cfe3f5;text-decoration:none}header a.on{color:#fff;font-weight:600;border-bottom:2px solid #6cc0ff}
header .brand{font-weight:700;color:#fff;margin-right:.6rem}header .grow{flex:1}
main{padding:1rem 1.4rem;max-width:1400px}
table{border-collapse:collapse;background:#fff;margin:.4rem 0 1rem;min-width:40%}
th,td{border:1px solid #dde2e8;padding:.3rem .55rem;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
pre{white-space:pre-wrap;word-break:break-all;background:#fff;border:1px solid #dde2e8;padding:.5rem;margin:.2rem 0;max-height:22rem;overflow:auto;font-size:12px}
.ok{color:#146c2e;font-weight:600}.bad{color:#b3261e;font-weight:600}.muted{color:#687483}
.msg{background:#fff;border:1px solid #dde2e8;margin:.5rem 0;padding:.5rem .7rem}
.msg h3{margin:0 0 .3rem;font-size:13px}
form.inline{display:inline}button{cursor:pointer}
.notice{background:#fff7d6;border:1px solid #e8d68a;padding:.5rem .8rem;margin:.5rem 0}
.error{background:#fde8e6;border:1px solid #e6a39c;padding:.5rem .8rem;margin:.5rem 0}
.step{background:#fff;border-left:4px solid #8aa;padding:.4rem .8rem;margin:.4rem 0}
.step.ok{border-color:#2e9b4f;font-weight:normal;color:inherit}.step.bad{border-color:#c0392b;font-weight:normal;color:inherit}
`

/** A fresh CSRF token of the request's session, for the forms a page draws; undefined without a session. */
export const csrfOf = (req: FastifyRequest, reply: FastifyReply): string | undefined => req.session ? reply.generateCsrf() : undefined

/**
 * A whole page. With `csrf` (the request has a session), its header has the sign-out button;
 * without, the navigation only (the sign-in page, an error before signing in).
 */
export function page (title: string, path: string, body: string, csrf?: string): string {
  const current = (href: string) => href === '/' ? path === '/' : path.startsWith(href)
  const signOut = csrf === undefined ? '' : html`<span class="grow"></span>!${action(csrf, '/logout', 'Sign out')}`
  return `<!doctype html>` + html`<html lang="en"><head><meta charset="utf-8"><title>${title} · Ripple console</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>!${STYLE}</style></head>
<body><header><span class="brand">Ripple</span>!${NAV.map(([href, label]) => html`<a href="${href}" class="${current(href) ? 'on' : ''}">${label}</a>`)}!${signOut}</header>
<main><h1>${title}</h1>!${body}</main></body></html>`
}

/** A table; with no headers, a list of name/value rows. */
export const table = (headers: string[], rows: string[][]): string =>
  html`<table>!${headers.length > 0 ? html`<thead><tr>!${headers.map(h => html`<th>${h}</th>`)}</tr></thead>` : ''}<tbody>!${rows.map(r => `<tr>${r.join('')}</tr>`)}</tbody></table>`

/** A cell of text (escaped). */
export const cell = (text: unknown, className = ''): string => html`<td class="${className}">${text === undefined || text === null ? '' : String(text)}</td>`

/** A cell holding HTML that is already escaped. */
export const htmlCell = (markup: string, className = ''): string => html`<td class="${className}">!${markup}</td>`

export const state = (text: string, good: boolean): string => html`<span class="${good ? 'ok' : 'bad'}">${text}</span>`

export const json = (value: unknown): string => html`<pre>${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>`

export const link = (href: string, text: string): string => html`<a href="${href}">${text}</a>`

export const enc = encodeURIComponent

/**
 * A write action: a POST form with the session's CSRF token (`csrfOf` in console.server.ts); the
 * session itself travels in its cookie, which SameSite=Strict keeps off other sites' requests too.
 */
export const action = (csrf: string, href: string, label: string, fields: Record<string, string> = {}): string =>
  html`<form class="inline" method="post" action="${href}"><input type="hidden" name="_csrf" value="${csrf}">!${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}<button type="submit">${label}</button></form>`

export const bytes = (n: number): string => n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`

/** A small line chart of a series (e.g. a group's lag over the last minutes), as inline SVG. */
export function sparkline (points: { t: number, v: number }[], width = 420, height = 90): string {
  if (points.length === 0) return html`<p class="muted">No samples yet: the console samples every group's lag every 15 s.</p>`
  const t0 = points[0]!.t
  const span = Math.max(1, points.at(-1)!.t - t0)
  const max = Math.max(1, ...points.map(p => p.v))
  const xy = points.map(p => `${((p.t - t0) / span * (width - 40) + 35).toFixed(1)},${(height - 15 - p.v / max * (height - 25)).toFixed(1)}`).join(' ')
  return html`<svg role="img" aria-label="lag over time" width="${width}" height="${height}" style="background:#fff;border:1px solid #dde2e8">
<text x="2" y="12" font-size="10">${max}</text><text x="2" y="${height - 15}" font-size="10">0</text>
<text x="35" y="${height - 2}" font-size="10">${new Date(t0).toISOString().slice(11, 19)}</text><text x="${width - 60}" y="${height - 2}" font-size="10">${new Date(points.at(-1)!.t).toISOString().slice(11, 19)}</text>
<polyline fill="none" stroke="#1f6fb2" stroke-width="2" points="${xy}"/></svg>`
}
