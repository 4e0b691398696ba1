import { WebhookError } from '../entities/subscription.errors.ts'
import type { WebhookClient } from '../ports/delivery-repository.port.ts'

/** Webhooks over Node's fetch (undici, kept-alive connections); every call has a deadline. */
export function createHttpWebhookClient ({ timeoutMs }: { timeoutMs: number }): WebhookClient {
  return {
    async post (url, body, idempotencyKey) {
      let res: Response
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey, 'user-agent': 'ripple-subscribe-service' },
          body: JSON.stringify(body),
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs)
        })
      } catch (error) {
        throw new WebhookError(`webhook not reached: ${(error as Error).message}`, { cause: error })
      }
      // Read to the end so the connection is reused; the receiver's answer itself is not needed.
      await res.arrayBuffer().catch(() => undefined)
      if (res.status < 200 || res.status >= 300) throw new WebhookError(`webhook answered ${res.status}`)
    }
  }
}
