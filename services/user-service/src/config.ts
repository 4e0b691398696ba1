import { accessTokenConfigSchema, baseConfigSchema, confirmationTokenConfigSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const userServiceConfigSchema = baseConfigSchema.extend({
  PORT: port(8085),
  // Only plain names: the migration has to splice it into CREATE DATABASE, where parameters cannot go.
  MARIADB_DATABASE: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and _ only').default('userdata'),
  MARIADB_POOL_SIZE: wholeNumber(10, { min: 1, max: 100 }),
  ...accessTokenConfigSchema.shape,
  ...confirmationTokenConfigSchema.shape,
  // Signs in as admin (POST /auth/token {adminKey}). No default: `./ripple up` passes a generated one.
  ADMIN_KEY: z.string().min(32, 'at least 32 characters'),
  // Failed password checks of one account from one client slow its next attempt: 1 s after the
  // first, doubling per further consecutive failure up to the cap (no lockout a stranger could
  // cause); forgotten after a right password, or this long after the last failure.
  AUTH_DELAY_BASE_SECONDS: wholeNumber(1, { min: 1, max: 3600 }),
  AUTH_DELAY_MAX_SECONDS: wholeNumber(300, { min: 1, max: 86_400 }),
  AUTH_DELAY_FORGET_SECONDS: wholeNumber(86_400, { min: 1, max: 30 * 86_400 }),
  // A client address is refused after this many failures within the window, whatever the accounts
  // (generous: everyone behind one address shares it).
  AUTH_MAX_FAILURES_PER_ADDRESS: wholeNumber(300, { min: 1, max: 1_000_000 }),
  AUTH_LOCKOUT_SECONDS: wholeNumber(900, { min: 1, max: 86_400 })
})

export type UserServiceConfig = z.infer<typeof userServiceConfigSchema>
