import { readdirSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { html } from 'ghtml'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { JOBS_DATABASE, probe } from '@ripple/stack/components'
import type { StackConfig, ComponentStatus, HealthProbes } from '@ripple/stack'
import { connectTarget, endpoints, status } from '@ripple/stack'
import { connectFetch } from '@ripple/operations'
import type { ConsoleDeps } from '../console.deps.ts'
import { cell, csrfOf, htmlCell, page, state, table } from './layout.ts'

interface Versions { kafka: string, connect: string, plugins: { class: string, type: string, version: string }[] }

/** The broker's version is in its jar's name; Connect and its plugins say theirs over REST. */
async function versions (deps: ConsoleDeps): Promise<Versions> {
  const connect = connectTarget(deps.config, 'console')
  let kafka = 'unknown'
  try {
    const jar = readdirSync(deps.config.paths.kafkaLibs).find(f => /^kafka_2\.13-[\d.]+\.jar$/.test(f))
    if (jar) kafka = jar.replace(/^kafka_2\.13-|\.jar$/g, '')
  } catch {
    // Not fetched yet (a fresh RIPPLE_HOME): the version stays unknown.
  }
  const get = async <T>(path: string, fallback: T): Promise<T> => {
    try {
      const res = await connectFetch(connect, path, {}, 2000)
      return res.ok ? await res.json() as T : fallback
    } catch { return fallback }
  }
  const [root, plugins] = await Promise.all([
    get<{ version?: string }>('/', {}),
    get<{ class: string, type: string, version: string }[]>('/connector-plugins', [])
  ])
  return { kafka, connect: root.version ?? 'not answering', plugins }
}

/**
 * MariaDB's and PostgreSQL's own probes log in as the admin and the superuser; the console asks
 * the same question (does it answer a query?) with its read-only accounts.
 */
function storeProbes (config: StackConfig): HealthProbes {
  const ep = endpoints(config)
  return {
    mariadb: () => probe('MariaDB', async () => {
      const conn = await mysql.createConnection({ ...ep.consoleMariadb, connectTimeout: 2000 })
      try { await conn.query('SELECT 1') } finally { await conn.end() }
    }),
    postgres: () => probe('PostgreSQL', async () => {
      const client = new pg.Client({ ...ep.consolePostgres, database: JOBS_DATABASE, connectionTimeoutMillis: 2000 })
      await client.connect()
      try { await client.query('SELECT 1') } finally { await client.end() }
    })
  }
}

export function overviewPage (app: FastifyInstance, deps: ConsoleDeps): void {
  // `./ripple status` asks pm2 and probes every component; the page shares one answer per few seconds.
  let cached: { at: number, rows: Promise<ComponentStatus[]> } | undefined
  const components = () => {
    if (!cached || Date.now() - cached.at > 3000) cached = { at: Date.now(), rows: status(deps.config, storeProbes(deps.config)) }
    return cached.rows
  }

  app.get('/', async (req, reply) => {
    const [rows, v] = await Promise.all([components(), versions(deps)])
    const { prometheusUrl } = endpoints(deps.config)
    const healthy = rows.filter(r => r.healthy).length
    const body = html`<p>${healthy} of ${rows.length} components healthy. Kafka ${v.kafka} · Kafka Connect ${v.connect} ·
<a href="${prometheusUrl}">Prometheus</a> (<a href="${prometheusUrl}/targets">scrape targets</a>)</p>` +
      table(['component', 'health', 'address', 'pid', 'memory'], rows.map(r => [
        cell(r.name), htmlCell(state(r.healthy ? 'healthy' : `unhealthy${r.reason ? `: ${r.reason}` : ''}`, r.healthy)),
        cell(r.address), cell(r.pid ?? '-', 'num'), cell(r.memoryMb === undefined ? '' : `${r.memoryMb} MB`, 'num')
      ])) +
      html`<h2>Connector plugins</h2>` +
      table(['plugin', 'type', 'version'], v.plugins.map(p => [cell(p.class), cell(p.type), cell(p.version)]))
    return reply.type('text/html; charset=utf-8').send(page('Overview', '/', body, csrfOf(req, reply)))
  })
}
