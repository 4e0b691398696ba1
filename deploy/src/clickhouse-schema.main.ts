import { readFileSync } from 'node:fs'
import pRetry from 'p-retry'
import { clickhouseQuery } from '@ripple/stack/components'
import { basicAuthorization, StackError } from '@ripple/stack'

// A one-shot job: applies the generated ClickHouse statements (stack/clickhouse/*.sql resolved for
// the deployment, a JSON array at CLICKHOUSE_SCHEMA_FILE) once ClickHouse answers. Every statement
// is idempotent, so running it again changes nothing.
const url = process.env.CLICKHOUSE_URL ?? 'http://clickhouse:8123'
// CLICKHOUSE_USER and CLICKHOUSE_PASSWORD: its account where the deployment's ClickHouse has one; else `default` without a password.
const target = { url, authorization: basicAuthorization(process.env.CLICKHOUSE_USER ?? 'default', process.env.CLICKHOUSE_PASSWORD ?? '') }
const file = process.env.CLICKHOUSE_SCHEMA_FILE
if (!file) throw new Error('CLICKHOUSE_SCHEMA_FILE must name the generated statements (deploy/compose/clickhouse/schema.json)')
const statements = JSON.parse(readFileSync(file, 'utf8')) as string[]
for (const statement of statements) {
  // Connection failures are retried while ClickHouse starts; a refused statement stops the job with ClickHouse's words.
  await pRetry(() => clickhouseQuery(target, statement), { retries: 60, minTimeout: 1000, maxTimeout: 5000, shouldRetry: ({ error }) => !(error instanceof StackError) })
}
console.log(`applied ${statements.length} ClickHouse statement(s) at ${url}`)
