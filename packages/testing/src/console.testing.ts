/** A signed-in session of the web console as a script holds it: its cookie and the CSRF token its writes carry. */
export interface ConsoleSignIn {
  /** `ripple_console=<id>`, for a Cookie header. */
  cookie: string
  /** The session's id alone (a browser context's cookie). */
  value: string
  csrfToken: string
  /** Headers for a read (cookie) or a write (cookie and x-csrf-token). */
  headers: { cookie: string, 'x-csrf-token': string }
}

/** Signs in at the console (POST /login with the operator key, as JSON) and answers the session. */
export async function signInToConsole (consoleUrl: string, operatorKey: string): Promise<ConsoleSignIn> {
  const res = await fetch(`${consoleUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ key: operatorKey })
  })
  const text = await res.text()
  if (res.status !== 200) throw new Error(`the console refused the sign-in: HTTP ${res.status} ${text}`)
  const cookie = res.headers.getSetCookie().map(c => c.split(';')[0]!).find(c => c.startsWith('ripple_console='))
  if (cookie === undefined) throw new Error('the console set no ripple_console cookie at sign-in')
  const { csrfToken } = JSON.parse(text) as { csrfToken: string }
  return { cookie, value: cookie.slice(cookie.indexOf('=') + 1), csrfToken, headers: { cookie, 'x-csrf-token': csrfToken } }
}
