import { baseConfigSchema, confirmationTokenConfigSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const notificationServiceConfigSchema = baseConfigSchema.extend({
  /** HTTP for /health and /metrics. */
  PORT: port(8086),
  TOPIC: z.string().min(1).default('cdc.table.userdata.users'),
  GROUP_ID: z.string().min(1).default('notification-service'),
  POSTGRES_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case PostgreSQL identifier').default('notification_service'),
  MAIL_FROM: z.string().min(3).default('Ripple <no-reply@ripple.local>'),
  /** Backoff between attempts while SMTP (or the database) is out: exponential from MIN to MAX, for as long as the outage lasts. */
  SMTP_RETRY_MIN_MS: wholeNumber(500),
  SMTP_RETRY_MAX_MS: wholeNumber(30_000),
  /** A session silent this long (e.g. no reply to DATA) is broken off; the mail counts as maybe sent and is sent again. */
  SMTP_SOCKET_TIMEOUT_MS: wholeNumber(30_000, { min: 100 }),
  /** How soon the group hands a killed member's partitions to another (the client's default is a minute). */
  KAFKA_SESSION_TIMEOUT_MS: wholeNumber(10_000, { min: 6000, max: 300_000 }),
  SMTP_POOL_SIZE: wholeNumber(5, { min: 1 }),
  /** Where user-service answers: the confirmation links in mails point to `${USER_SERVICE_URL}/users/confirm`. */
  USER_SERVICE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8085').transform(url => url.replace(/\/+$/, ''))
}).extend(confirmationTokenConfigSchema.shape)

export type NotificationConfig = z.infer<typeof notificationServiceConfigSchema>
