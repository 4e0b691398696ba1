import { baseConfigSchema, port, wholeNumber } from '@ripple/kit'
import { z } from 'zod'

export const userServiceConfigSchema = baseConfigSchema.extend({
  PORT: port(8085),
  // Only plain names: the migration has to splice it into CREATE DATABASE, where parameters cannot go.
  MARIADB_DATABASE: z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'letters, digits and _ only').default('userdata'),
  MARIADB_POOL_SIZE: wholeNumber(10, { min: 1, max: 100 })
})

export type UserServiceConfig = z.infer<typeof userServiceConfigSchema>
