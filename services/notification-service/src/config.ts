import { baseConfigSchema, port } from '@ripple/kit'
import { z } from 'zod'

const count = (fallback: number) => z.coerce.number().int().min(0).default(fallback)

export const notificationServiceConfigSchema = baseConfigSchema.extend({
  /** HTTP for /health and /metrics. */
  PORT: port(8086),
  TOPIC: z.string().min(1).default('cdc.table.userdata.users'),
  GROUP_ID: z.string().min(1).default('notification-service'),
  POSTGRES_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case PostgreSQL identifier').default('notification_service'),
  MAIL_FROM: z.string().min(3).default('Ripple <no-reply@ripple.local>'),
  /** Retries of a message whose mail could not be delivered (or whose database write failed), with exponential backoff; then the dead-letter topic. */
  SMTP_RETRIES: count(5),
  SMTP_RETRY_MIN_MS: count(500),
  SMTP_RETRY_MAX_MS: count(30_000),
  SMTP_POOL_SIZE: z.coerce.number().int().min(1).default(5)
})

export type NotificationConfig = z.infer<typeof notificationServiceConfigSchema>
