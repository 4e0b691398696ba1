import http from 'node:http'
import https from 'node:https'
import { isIP } from 'node:net'
import { WebhookError } from '../entities/subscription.errors.ts'
import { signWebhook } from './webhook-signature.adapter.ts'
import type { WebhookClient } from '../ports/delivery-repository.port.ts'
import { RefusedAddressError, webhookTarget } from './webhook-address.adapter.ts'
import type { WebhookAddressGuard } from './webhook-address.adapter.ts'

export interface HttpWebhookOptions {
  /** The clock a signature's timestamp is read from. */
  now?: () => number
  /** The deadline of a whole call: connecting, the answer and the part of its body that is read. */
  timeoutMs: number
  guard: WebhookAddressGuard
  /** The most of a receiver's answer that is read; a longer one is cut (the connection closed). */
  maxResponseBytes?: number
}

/**
 * Webhooks over node:http(s) with kept-alive connections, each connection made through the
 * guard's lookup, so it goes to an address checked after resolution (a host that re-resolves to
 * an inside address between subscribe and delivery is refused); an address literal is checked
 * before the call. Redirects are never followed (a 3xx is a failed attempt), the answer's body
 * is read up to a small limit, and every call has a deadline. A refused address is a permanent
 * failure; anything else may succeed later.
 */
export function createHttpWebhookClient ({ timeoutMs, guard, maxResponseBytes = 4096, now = Date.now }: HttpWebhookOptions): WebhookClient {
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) }

  return {
    async post (url, body, idempotencyKey, secret) {
      const target = webhookTarget(url)
      if (typeof target === 'string') throw new WebhookError(`webhook URL ${target}`, { permanent: true })
      if (isIP(target.hostname) !== 0) {
        const refused = guard.addressRefusal(target, target.hostname)
        if (refused) throw new WebhookError(`webhook address refused: ${refused}`, { permanent: true })
      }
      const parsed = new URL(url)
      const payload = Buffer.from(JSON.stringify(body))
      // Signed over exactly the bytes sent, at this attempt's time.
      const signature = signWebhook(secret, idempotencyKey, Math.floor(now() / 1000), payload)
      const signal = AbortSignal.timeout(timeoutMs)
      let status: number
      try {
        status = await new Promise<number>((resolve, reject) => {
          const transport = parsed.protocol === 'https:' ? https : http
          const req = transport.request(parsed, {
            method: 'POST',
            agent: agents[parsed.protocol as 'http:' | 'https:'],
            lookup: guard.lookupFor(target),
            signal,
            headers: { 'content-type': 'application/json', 'content-length': payload.length, 'idempotency-key': idempotencyKey, 'user-agent': 'ripple-subscribe-service', ...signature }
          }, res => {
            // The answer's status is what counts; its body is read (so the connection can be
            // reused) only up to the limit, and a longer one closes the connection.
            let read = 0
            const done = () => resolve(res.statusCode ?? 0)
            res.on('data', (chunk: Buffer) => {
              read += chunk.length
              if (read > maxResponseBytes) {
                res.destroy()
                done()
              }
            })
            res.on('end', done)
            // A body cut by the deadline or the receiver does not undo the status it answered.
            res.on('error', done)
          })
          req.on('error', reject)
          req.end(payload)
        })
      } catch (error) {
        if (error instanceof RefusedAddressError) throw new WebhookError(error.message, { permanent: true, cause: error })
        const reason = signal.aborted ? `no answer within ${timeoutMs} ms` : (error as Error).message
        throw new WebhookError(`webhook not reached: ${reason}`, { cause: error })
      }
      if (status >= 300 && status < 400) throw new WebhookError(`webhook answered ${status} (redirects are not followed)`)
      if (status < 200 || status >= 300) throw new WebhookError(`webhook answered ${status}`)
    }
  }
}
