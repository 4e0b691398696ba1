import { createHmac } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { HttpError, sameSecret } from '@ripple/kit'

export const SESSION_COOKIE = 'ripple_operator'

/**
 * The console's write actions (group reset, connector restart/pause/resume, dead-letter replay)
 * need the operator key: sent once to /login, then carried as an HttpOnly, SameSite=Strict cookie
 * holding an HMAC of it (the key itself never sits in the browser), or as `x-operator-key` by a
 * script. SameSite=Strict keeps another site's form from posting with the cookie.
 */
export function operatorAuth (operatorKey: string) {
  const session = createHmac('sha256', operatorKey).update('ripple-console-session').digest('base64url')
  return {
    session,
    signedIn (req: FastifyRequest): boolean {
      const header = req.headers['x-operator-key']
      if (typeof header === 'string' && sameSecret(header, operatorKey)) return true
      const cookie = req.cookies[SESSION_COOKIE]
      return cookie !== undefined && sameSecret(cookie, session)
    },
    keyMatches: (given: string) => sameSecret(given, operatorKey),
    async requireOperator (req: FastifyRequest, _reply: FastifyReply): Promise<void> {
      if (!this.signedIn(req)) throw new HttpError(403, 'OPERATOR_KEY_REQUIRED', 'This action changes the stack: sign in at /login with the operator key (RIPPLE_OPERATOR_KEY, or OPERATOR_KEY in .ripple/secrets.json).', 'key')
    }
  }
}

export type OperatorAuth = ReturnType<typeof operatorAuth>
