import { USERS_TOPIC } from '@ripple/contracts'
import { baseConfigSchema, confirmationTokenConfigSchema, consumerTuningSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const notificationServiceConfigSchema = baseConfigSchema.extend({
  /** HTTP for /health and /metrics. */
  PORT: port(8086),
  TOPIC: z.string().min(1).default(USERS_TOPIC),
  GROUP_ID: z.string().min(1).default('notification-service'),
  POSTGRES_DATABASE: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case PostgreSQL identifier').default('notification_service'),
  MAIL_FROM: z.string().min(3).default('Ripple <no-reply@ripple.local>'),
  /** A session silent this long (e.g. no reply to DATA) is broken off; the mail counts as maybe sent and is sent again. */
  SMTP_SOCKET_TIMEOUT_MS: wholeNumber(30_000, { min: 100 }),
  /**
   * Changes of one partition handled at once, each user's still one after the other (the topic is
   * keyed by user id). A mail spends most of its time waiting on SMTP and PostgreSQL, so this, not
   * the CPU, set the rate: one at a time on 3 partitions drained about 110 mails/s. A slot is taken
   * in offset order, also by a change that waits for the same user's previous one, so there are
   * more slots than users expected to change at once; a waiting change costs only a promise.
   */
  CONCURRENCY_PER_PARTITION: wholeNumber(256, { min: 1, max: 10_000 }),
  /**
   * SMTP connections kept open. The sends of all partitions share them, one mail at a time each
   * (an SMTP session carries one transaction at a time, each a few round trips), the rest queue.
   */
  SMTP_POOL_SIZE: wholeNumber(32, { min: 1 }),
  /** Where user-service answers: the confirmation links in mails point to `${USER_SERVICE_URL}/users/confirm`. */
  USER_SERVICE_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8085').transform(url => url.replace(/\/+$/, ''))
  // RETRY_MIN_MS / RETRY_MAX_MS: the backoff while SMTP (or the database) is out, for as long as the
  // outage lasts. A fetch returns as soon as a change arrived (1 byte), as subscribe-service's: a
  // mail is due at once, and an idle fetch waits half a second (a 20 ms wait for 64 KiB meant 50
  // fetches a second at rest).
}).extend(consumerTuningSchema({ fetchMaxWaitMs: 500, fetchMinBytes: 1 }).shape).extend(confirmationTokenConfigSchema.shape)

export type NotificationConfig = z.infer<typeof notificationServiceConfigSchema>
