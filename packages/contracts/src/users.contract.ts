// cdc.table.userdata.users (seed 000): Debezium's change events of user-service's users table,
// as connectors/mysql-debezium-cdc-source-user.json writes them (JsonConverter, schemas off,
// binary.handling.mode hex, time.precision.mode adaptive). notification-service mails the user,
// post-service and subscribe-service revoke tokens from it.
import { decodeChangeEvent } from '@ripple/kit'
import type { ConsumedMessage, DecodedChange } from '@ripple/kit'
import { z } from 'zod'
import { changeEventSchema } from './debezium.contract.ts'
import { defineTopic, noHeaders } from './topic.contract.ts'

export const USERS_CONNECTOR = 'mysql-debezium-cdc-source-user'
export const USERS_TOPIC = 'cdc.table.userdata.users'

/**
 * A row of userdata.users as the connector captures it. The password column is never captured
 * (column.exclude.list): the schema says so, so a connector change that lets it through is a
 * contract break, not a silent leak. Loose: a column added later (ALTER TABLE … ADD COLUMN) is
 * carried and passed over by readers that do not know it.
 */
export const userRowSchema = z.looseObject({
  /** BINARY(16) in hex (binary.handling.mode hex); readers also take base64 and a UUID. */
  id: z.string().min(1),
  username: z.string(),
  email: z.string(),
  password: z.never().optional().describe('excluded by the connector (column.exclude.list): never present'),
  fullName: z.string().nullable(),
  /** DATE as io.debezium.time.Date: days since 1970-01-01, negative before. */
  dateOfBirth: z.number().int().nullable(),
  address: z.string().nullable(),
  /** DATETIME(6) as io.debezium.time.MicroTimestamp: microseconds since the epoch. */
  createdAt: z.number().int(),
  lastUpdated: z.number().int(),
  status: z.enum(['Unconfirmed', 'Confirmed']),
  /** Added by a later migration, so older events lack it; null until the first password change. */
  passwordChangedAt: z.number().int().nullable().optional()
})
export type UserRow = z.infer<typeof userRowSchema>

export const userChangeSchema = changeEventSchema(userRowSchema)

export const userKeySchema = z.object({ id: z.string().min(1) })

export const usersTopic = defineTopic({
  name: USERS_TOPIC,
  summary: 'Every insert, update and delete of userdata.users, password excluded.',
  key: { schema: userKeySchema, encoding: 'json', description: 'the primary key, so one user\'s changes keep their order' },
  value: { schema: userChangeSchema, encoding: 'json', description: 'Debezium\'s change envelope of a users row' },
  headers: noHeaders,
  partitions: 3,
  cleanupPolicy: 'delete',
  deadLetter: `${USERS_TOPIC}.dlq`,
  producers: [{ connector: USERS_CONNECTOR }],
  consumers: [
    { group: 'notification-service', by: { service: 'notification-service' } },
    { group: 'post-service.revocations', by: { service: 'post-service' }, reads: ['op', 'before.id', 'after.id', 'after.passwordChangedAt'] },
    { group: 'subscribe-service.revocations', by: { service: 'subscribe-service' }, reads: ['op', 'before.id', 'after.id', 'after.passwordChangedAt'] }
  ]
})

/**
 * The one decoder of the users topic, for every reader (notification-service's mails,
 * post-service's and subscribe-service's revocations): Debezium's envelope by the kit's change
 * decoder, each row image by the contract. A tombstone is `{ kind: 'tombstone' }`; a malformed
 * event is an InvalidInputError naming the field (`after.email`), which the kit dead-letters. A
 * column added later passes (the row schema is loose) and is carried on in the row.
 */
export function decodeUserChange (message: Pick<ConsumedMessage, 'value'>): DecodedChange<UserRow> {
  return decodeChangeEvent(message.value, userRowSchema)
}
