import mysql from 'mysql2/promise'
import { connectionOptions } from './mariadb.database.ts'
import type { MariaDbSettings } from './mariadb.database.ts'

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
  // The database may not exist yet, so this connection names none.
  const conn = await mysql.createConnection(connectionOptions(settings))
  try {
    // Identifiers cannot be parameters; the config only admits [A-Za-z0-9_] names.
    await conn.query(`CREATE DATABASE IF NOT EXISTS \`${settings.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
    await conn.query(`USE \`${settings.database}\``)
    await conn.query(usersTable)
  } finally {
    await conn.end()
  }
}
