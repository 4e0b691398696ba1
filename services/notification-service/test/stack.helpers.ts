import { createHash } from 'node:crypto'
import { Admin } from '@platformatic/kafka'
import { capturedMails, countRecords, stack, testConfig } from '@ripple/testing'
import type { CapturedMail } from '@ripple/testing'
import type { createNotificationService } from '../src/app.ts'
import { notificationServiceConfigSchema } from '../src/config.ts'

// What only this service's tests need; the rest comes from @ripple/testing.
export { dropPostgresDatabase as dropDatabase, eventually, groupCaughtUp, readTopic, stack, unique } from '@ripple/testing'

/** Mails the capture caught for addresses ending in `domain` (tests never clear the shared capture). */
export async function mailsTo (domain: string): Promise<CapturedMail[]> {
  return (await capturedMails()).filter(m => m.to.some(to => to.endsWith(`@${domain}`)))
}

export function serviceConfig (overrides: { TOPIC: string, GROUP_ID: string, POSTGRES_DATABASE: string, [variable: string]: string }) {
  return testConfig(notificationServiceConfigSchema, {
    RETRY_MIN_MS: '50',
    RETRY_MAX_MS: '500',
    ...overrides
  })
}

export type NotificationService = ReturnType<typeof createNotificationService>

/** Records in a topic, 0 when it was never created (a dead-letter topic appears with its first record). */
export async function recordsIn (topic: string): Promise<number> {
  const admin = new Admin({ clientId: 'test-admin', bootstrapBrokers: stack.kafkaBrokers, sasl: stack.kafkaSasl })
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0
  } finally {
    await admin.close()
  }
  return await countRecords(topic)
}

/** One sample of the service's /metrics, 0 when the series does not exist yet. */
export async function metricValue (url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  const line = text.split('\n').find(l => l.startsWith(`${name}{`) && wanted.every(w => l.includes(w)))
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0
}

/** Debezium-shaped events for userdata.users, as the MariaDB connector with JsonConverter writes them. */
export function userEvents (domain: string) {
  let pos = 4
  // A stable BINARY(16) per user, hex-encoded as with binary.handling.mode=hex.
  const idOf = (user: number) => createHash('md5').update(`${domain}:${user}`).digest('hex')
  const row = (user: number, version: number, email = `user${user}@${domain}`) => ({
    id: idOf(user),
    username: `user${user}`,
    email,
    fullName: `User ${user} v${version}`,
    dateOfBirth: 7305 + user,
    address: `Street ${user}`,
    createdAt: 1_700_000_000_000_000,
    lastUpdated: 1_718_000_000_000_000 + version,
    status: 'Confirmed'
  })
  const envelope = (op: 'c' | 'u' | 'd', before: unknown, after: unknown) => ({
    before,
    after,
    source: { version: '3.5.0.Final', connector: 'mariadb', name: 'cdc.table', ts_ms: Date.now(), snapshot: 'false', db: 'userdata', table: 'users', server_id: 1, file: 'mariadb-bin.000007', pos: (pos += 311), row: 0 },
    op,
    ts_ms: Date.now()
  })
  return {
    row,
    key: (user: number) => JSON.stringify({ id: idOf(user) }),
    created: (user: number) => JSON.stringify(envelope('c', null, row(user, 0))),
    updated: (user: number, version: number) => JSON.stringify(envelope('u', row(user, version - 1), row(user, version))),
    deleted: (user: number, version: number) => JSON.stringify(envelope('d', row(user, version), null)),
    withSchema: (value: string) => JSON.stringify({ schema: { type: 'struct', name: 'cdc.table.userdata.users.Envelope', fields: [] }, payload: JSON.parse(value) })
  }
}
