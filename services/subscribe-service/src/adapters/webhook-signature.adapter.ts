import { createHmac, randomBytes } from 'node:crypto'

/**
 * Standard Webhooks (https://www.standardwebhooks.com): each subscription with a webhook gets its
 * own secret, `whsec_` + base64 of 32 random bytes, shown once in the subscribe answer. Every
 * delivery carries `webhook-id` (the same on each retry, so it also deduplicates),
 * `webhook-timestamp` (seconds, when this attempt was signed: a receiver refuses stale ones, so a
 * captured request cannot be replayed later) and `webhook-signature`
 * `v1,<base64 HMAC-SHA256(secret bytes, "<id>.<timestamp>.<body>")>`.
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_'

export function newWebhookSecret (): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(32).toString('base64')
}

export interface WebhookSignatureHeaders {
  'webhook-id': string
  'webhook-timestamp': string
  'webhook-signature': string
}

export function signWebhook (secret: string, id: string, timestampSeconds: number, payload: Buffer | string): WebhookSignatureHeaders {
  const key = Buffer.from(secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret, 'base64')
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.`).update(payload).digest('base64')
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` }
}
