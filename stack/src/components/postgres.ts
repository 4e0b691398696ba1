import { existsSync, readdirSync } from 'node:fs'
import { chown, mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import pg from 'pg'
import type { StackConfig } from '../config.ts'
import { endpoints } from '../config.ts'
import type { Component } from './component.ts'
import { probe } from './probes.ts'

const OS_USER = 'postgres'
/** Where the JDBC sink puts the job pipeline's table `jobs` (seed 003). */
export const JOBS_DATABASE = 'jobs'

/** The newest Debian PostgreSQL install, unless RIPPLE_PG_BINDIR names one. */
export function postgresBinDir (config: StackConfig): string {
  if (config.pgBinDir) return config.pgBinDir
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base) ? readdirSync(base).filter(v => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  return join(base, versions[0] ?? '15', 'bin')
}

export async function osUserIds (name: string): Promise<{ uid: number, gid: number }> {
  const { stdout: uid } = await execa('id', ['-u', name])
  const { stdout: gid } = await execa('id', ['-g', name])
  return { uid: Number(uid), gid: Number(gid) }
}

/** A private PostgreSQL cluster with logical decoding on, for Debezium's pgoutput. */
export function postgres (config: StackConfig): Component {
  const dataDir = join(config.paths.data, 'postgres')
  const socketDir = join(config.paths.run, 'postgres')
  const bin = postgresBinDir(config)
  const ep = endpoints(config)

  return {
    name: 'postgres',
    dependsOn: [],
    address: () => `${config.host}:${config.ports.postgres}`,
    ports: () => [{ port: config.ports.postgres, what: 'PostgreSQL (RIPPLE_POSTGRES_PORT)' }],
    binaries: () => [
      { path: join(bin, 'postgres'), aptPackage: 'postgresql' },
      { path: join(bin, 'initdb'), aptPackage: 'postgresql' }
    ],

    async prepare () {
      // PostgreSQL refuses to run as root, so its folders belong to the postgres OS user.
      const { uid, gid } = await osUserIds(OS_USER)
      await mkdir(socketDir, { recursive: true })
      await chown(socketDir, uid, gid)
      if (!existsSync(join(dataDir, 'PG_VERSION'))) {
        await rm(dataDir, { recursive: true, force: true })
        await mkdir(dataDir, { recursive: true, mode: 0o700 })
        await chown(dataDir, uid, gid)
        const pwfile = join(socketDir, 'initdb.pw')
        await writeFile(pwfile, config.secrets.postgresPassword + '\n', { mode: 0o600 })
        await chown(pwfile, uid, gid)
        try {
          await execa('runuser', ['-u', OS_USER, '--', join(bin, 'initdb'),
            '-D', dataDir, '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8',
            '--auth-local=trust', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`])
        } finally {
          await rm(pwfile, { force: true })
        }
      }
    },

    process: () => ({
      command: join(bin, 'postgres'),
      args: [
        '-D', dataDir,
        '-c', `port=${config.ports.postgres}`,
        '-c', `listen_addresses=${config.host}`,
        '-c', `unix_socket_directories=${socketDir}`,
        '-c', 'wal_level=logical',
        '-c', 'max_wal_senders=10',
        '-c', 'max_replication_slots=10',
        '-c', 'max_connections=300',
        '-c', 'shared_buffers=128MB'
      ],
      user: OS_USER,
      stopTimeoutMs: 60_000
    }),

    // pg_ctl's "fast" mode; SIGTERM alone is a "smart" shutdown that waits for Debezium's replication connection forever.
    async beforeStop () {
      await execa('runuser', ['-u', OS_USER, '--', join(bin, 'pg_ctl'), 'stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '60'], { reject: false })
    },

    // The JDBC sink (connectors/postgres-connector.json) writes the job pipeline's results here;
    // the table is made by hand rather than by schema.evolution, which would type id as text.
    async afterStart () {
      const admin = new pg.Client({ ...ep.postgres, database: 'postgres' })
      await admin.connect()
      try {
        const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [JOBS_DATABASE])
        if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(JOBS_DATABASE)}`)
      } finally {
        await admin.end()
      }
      const jobs = new pg.Client({ ...ep.postgres, database: JOBS_DATABASE })
      await jobs.connect()
      try {
        await jobs.query(`CREATE TABLE IF NOT EXISTS jobs (
          id varchar(36) PRIMARY KEY,
          status text NOT NULL,
          create_date bigint NOT NULL,
          finish_date bigint
        )`)
      } finally {
        await jobs.end()
      }
    },

    health: () => probe('PostgreSQL', async () => {
      const client = new pg.Client({ ...ep.postgres, database: 'postgres', connectionTimeoutMillis: 2000 })
      await client.connect()
      try { await client.query('SELECT 1') } finally { await client.end() }
    })
  }
}
