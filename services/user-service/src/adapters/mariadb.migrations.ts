import { migrateMariaDbDatabase } from '@ripple/kit'
import type { MariaDbSettings } from '@ripple/kit'

/** How user-service reads values: a birth date is a calendar day, and as a JS Date it would shift with the time zone. */
export const USER_DB_OPTIONS = { dateStrings: ['DATE' as const] }

/**
 * The seed's users table, safe to run at every start-up. Changes from the seed:
 * - createdAt/lastUpdated are DATETIME(6), not DATE: change notifications need the moment a
 *   change happened, and a day cannot order two updates; they are NOT NULL because the service
 *   always sets them.
 * - UNIQUE keys on username and email, so two concurrent sign-ups cannot both take one; their
 *   names are how the adapter tells which field was duplicated.
 */
const usersTable = `
  CREATE TABLE IF NOT EXISTS users (
    id BINARY(16) NOT NULL PRIMARY KEY,
    username VARCHAR(255) NOT NULL,
    email VARCHAR(255) NOT NULL,
    password VARCHAR(255) NOT NULL,
    fullName VARCHAR(255),
    dateOfBirth DATE,
    address VARCHAR(255),
    createdAt DATETIME(6) NOT NULL,
    lastUpdated DATETIME(6) NOT NULL,
    status ENUM('Unconfirmed', 'Confirmed') NOT NULL,
    UNIQUE KEY uq_users_username (username),
    UNIQUE KEY uq_users_email (email)
  ) ENGINE=InnoDB`

export async function migrate (settings: MariaDbSettings): Promise<void> {
  await migrateMariaDbDatabase(settings, [usersTable])
}
