import { readFileSync } from 'node:fs'
import mysql from 'mysql2/promise'
import pRetry from 'p-retry'
import pg from 'pg'
import type { ConsoleGrants } from './configs.ts'

// A one-shot job: gives the console's read-only accounts their column grants (the generated
// statements at CONSOLE_GRANTS_FILE, deploy/src/configs.ts consoleGrants) as the admin accounts,
// once the services have made their tables. A table not there yet is waited for; every statement
// is idempotent, so running it again changes nothing.
const file = process.env.CONSOLE_GRANTS_FILE
if (!file) throw new Error('CONSOLE_GRANTS_FILE must name the generated grants (deploy/compose/console/grants.json)')
const grants = JSON.parse(readFileSync(file, 'utf8')) as ConsoleGrants
const required = (name: string): string => {
  const value = process.env[name]
  if (!value) throw new Error(`${name} must be set`)
  return value
}
const retry = <T>(work: () => Promise<T>) => pRetry(work, { retries: 60, minTimeout: 2000, maxTimeout: 10_000, onFailedAttempt: ({ error, attemptNumber }) => console.log(`attempt ${attemptNumber}: ${error.message}`) })

await retry(async () => {
  const conn = await mysql.createConnection({ host: required('MARIADB_HOST'), port: Number(process.env.MARIADB_PORT ?? 3306), user: required('MARIADB_USER'), password: required('MARIADB_PASSWORD') })
  try {
    for (const statement of grants.mariadb) await conn.query(statement)
  } finally {
    await conn.end()
  }
})
for (const { database, statements } of grants.postgres) {
  await retry(async () => {
    const client = new pg.Client({ host: required('POSTGRES_HOST'), port: Number(process.env.POSTGRES_PORT ?? 5432), user: required('POSTGRES_USER'), password: required('POSTGRES_PASSWORD'), database })
    await client.connect()
    try {
      for (const statement of statements) await client.query(statement)
    } finally {
      await client.end()
    }
  })
}
console.log(`console grants applied: ${grants.mariadb.length} MariaDB, ${grants.postgres.reduce((n, g) => n + g.statements.length, 0)} PostgreSQL statement(s)`)
