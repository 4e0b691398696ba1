import { existsSync, readdirSync } from 'node:fs'
import { chmod, chown, mkdir, rm, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import pg from 'pg'
import type { StackConfig } from '../config.ts'
import { ACCOUNTS, endpoints } from '../config.ts'
import { cargaConnectorAccounts } from '../connectors.ts'
import type { Component } from './component.ts'
import { osUserIds } from './os-user.ts'
import { probe } from './probes.ts'

const OS_USER = 'postgres'
/** Where the JDBC sink puts the job pipeline's table `jobs` (seed 003). */
export const JOBS_DATABASE = 'jobs'
/**
 * Where the JDBC sink of seed 001's Connect lesson writes inventory.categories. `name` is as wide
 * as MariaDB's: Debezium's JDBC sink 3.5 does not dead-letter a row the database refuses, its task
 * fails on it and stays failed (test/stack/connect-dlq.test.ts shows it on a narrower table of its own).
 */
export const INVENTORY_DATABASE = 'inventory'
/** sync-service's database (seed 002), whose tabela Debezium's source (connectors/carga-postgres-source.json) reads. */
export const CARGA_DATABASE = 'carga'

/** The newest Debian PostgreSQL install, unless RIPPLE_PG_BINDIR names one. */
export function postgresBinDir (config: StackConfig): string {
  if (config.pgBinDir) return config.pgBinDir
  const base = '/usr/lib/postgresql'
  const versions = existsSync(base) ? readdirSync(base).filter(v => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : []
  return join(base, versions[0] ?? '15', 'bin')
}

/**
 * Who may log in, how: no `trust` anywhere. Over the socket the superuser only by peer, as the
 * OS user running the stack or `postgres` (the `ripple` map of pg_ident.conf); everyone else
 * and every TCP login by a SCRAM password.
 */
export function pgHba (): string {
  return [
    '# Written by ./ripple up (stack/src/components/postgres.ts) on every start: edit that instead.',
    '# TYPE  DATABASE     USER      ADDRESS        METHOD',
    'local   all          postgres                 peer map=ripple',
    'local   replication  postgres                 peer map=ripple',
    'local   all          all                      scram-sha-256',
    'host    all          all       127.0.0.1/32   scram-sha-256',
    'host    all          all       ::1/128        scram-sha-256',
    'host    all          all       samehost       scram-sha-256',
    'host    replication  all       127.0.0.1/32   scram-sha-256',
    'host    replication  all       ::1/128        scram-sha-256',
    ''
  ].join('\n')
}

export function pgIdent (stackOsUser: string): string {
  return [
    '# MAPNAME  SYSTEM-USERNAME  PG-USERNAME',
    ...[...new Set([stackOsUser, OS_USER])].map(u => `ripple      ${u}  ${ACCOUNTS.postgresAdmin}`),
    ''
  ].join('\n')
}

/** Makes `role` own every table, sequence, view and function of the public schema (one made by the superuser before roles existed). */
async function reassignPublicObjects (client: pg.Client, role: string): Promise<void> {
  const r = pg.escapeIdentifier(role)
  const { rows: relations } = await client.query<{ name: string, kind: string }>(
    `SELECT c.relname AS name, c.relkind AS kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND pg_get_userbyid(c.relowner) <> $1`, [role])
  for (const rel of relations) {
    const what = rel.kind === 'v' ? 'VIEW' : rel.kind === 'm' ? 'MATERIALIZED VIEW' : rel.kind === 'f' ? 'FOREIGN TABLE' : 'TABLE'
    await client.query(`ALTER ${what} public.${pg.escapeIdentifier(rel.name)} OWNER TO ${r}`)
  }
  // Sequences owned by a column follow their table; the others are moved by themselves.
  const { rows: sequences } = await client.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) <> $1
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))`, [role])
  for (const seq of sequences) await client.query(`ALTER SEQUENCE public.${pg.escapeIdentifier(seq.name)} OWNER TO ${r}`)
  const { rows: routines } = await client.query<{ signature: string }>(
    `SELECT p.oid::regprocedure::text AS signature FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'public' AND pg_get_userbyid(p.proowner) <> $1`, [role])
  for (const fn of routines) await client.query(`ALTER ROUTINE ${fn.signature} OWNER TO ${r}`)
  const { rows: types } = await client.query<{ name: string }>(
    `SELECT t.typname AS name FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
     WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> $1`, [role])
  for (const t of types) await client.query(`ALTER TYPE public.${pg.escapeIdentifier(t.name)} OWNER TO ${r}`)
}

/**
 * A login role with no attribute beyond LOGIN (and REPLICATION when asked: Debezium's logical
 * replication needs it), and this password (set again on every start, so an override takes effect).
 */
async function ensureRole (client: pg.Client, role: string, password: string, options: { replication?: boolean } = {}): Promise<void> {
  const found = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])
  const verb = found.rowCount === 0 ? 'CREATE' : 'ALTER'
  await client.query(`${verb} ROLE ${pg.escapeIdentifier(role)} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE ${options.replication ? 'REPLICATION' : 'NOREPLICATION'} NOBYPASSRLS PASSWORD ${client.escapeLiteral(password)}`)
}

/** The superuser by peer over the cluster's socket (only the stack's OS user reaches it). */
const superuserClient = (config: StackConfig, database: string): pg.Client =>
  new pg.Client({ host: join(config.paths.run, 'postgres'), port: config.ports.postgres, user: ACCOUNTS.postgresAdmin, database })

/** A table a read-only role may read, and the only columns it may read there. */
export interface ColumnGrant { database: string, table: string, columns: readonly string[] }

/**
 * Makes `role` read exactly these columns (SELECT, column by column) and nothing else in those
 * databases: CONNECT on each, USAGE on its public schema, every table privilege it had there
 * revoked first. A database or table that does not exist (yet) is left out and returned.
 */
export async function grantColumnReads (config: StackConfig, role: string, grants: readonly ColumnGrant[]): Promise<string[]> {
  const r = pg.escapeIdentifier(role)
  const missing: string[] = []
  for (const database of [...new Set(grants.map(g => g.database))]) {
    const admin = superuserClient(config, 'postgres')
    await admin.connect()
    try {
      const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
      if (found.rowCount === 0) { missing.push(database); continue }
      await admin.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${r}`)
    } finally {
      await admin.end()
    }
    const client = superuserClient(config, database)
    await client.connect()
    try {
      await client.query(`GRANT USAGE ON SCHEMA public TO ${r}`)
      await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${r}`)
      for (const g of grants.filter(g => g.database === database)) {
        const table = await client.query('SELECT 1 FROM pg_tables WHERE schemaname = \'public\' AND tablename = $1', [g.table])
        if (table.rowCount === 0) { missing.push(`${database}.${g.table}`); continue }
        await client.query(`GRANT SELECT (${g.columns.map(c => pg.escapeIdentifier(c)).join(', ')}) ON TABLE public.${pg.escapeIdentifier(g.table)} TO ${r}`)
      }
    } finally {
      await client.end()
    }
  }
  return missing
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
      await mkdir(socketDir, { recursive: true, mode: 0o700 })
      await chown(socketDir, uid, gid)
      await chmod(socketDir, 0o700)
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
            '--auth-local=peer', '--auth-host=scram-sha-256', `--pwfile=${pwfile}`])
        } finally {
          await rm(pwfile, { force: true })
        }
      }
      // Written on every start, so a cluster made with `trust` by an older Ripple changes too.
      for (const [file, text] of [['pg_hba.conf', pgHba()], ['pg_ident.conf', pgIdent(userInfo().username)]] as const) {
        const path = join(dataDir, file)
        await writeFile(path, text, { mode: 0o600 })
        await chown(path, uid, gid)
        await chmod(path, 0o600)
      }
    },

    process: () => ({
      command: join(bin, 'postgres'),
      args: [
        '-D', dataDir,
        '-c', `port=${config.ports.postgres}`,
        '-c', `listen_addresses=${config.host}`,
        '-c', `unix_socket_directories=${socketDir}`,
        '-c', 'unix_socket_permissions=0700',
        '-c', 'password_encryption=scram-sha-256',
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

    // Runs on every `up`, as the superuser by peer over the socket: the superuser's TCP password,
    // each service's role owning its own database (nobody else may connect to it), and the job
    // pipeline's table `jobs` (made by hand rather than by schema.evolution, which would type id as
    // text) and the Connect lesson's `categories`, which the JDBC sink's role may only read, insert and update.
    async afterStart () {
      const superuser = (database: string) => superuserClient(config, database)
      const admin = superuser('postgres')
      await admin.connect()
      const owned: { database: string, role: string }[] = []
      try {
        await admin.query(`ALTER ROLE ${pg.escapeIdentifier(ACCOUNTS.postgresAdmin)} WITH PASSWORD ${admin.escapeLiteral(config.secrets.postgresPassword)}`)
        await admin.query('REVOKE CONNECT, TEMPORARY ON DATABASE postgres FROM PUBLIC')
        for (const s of config.services) {
          if (s.database?.engine !== 'postgres') continue
          const { database, user, password } = s.database
          await ensureRole(admin, user, password)
          const found = await admin.query<{ owner: string }>('SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [database])
          if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)} OWNER ${pg.escapeIdentifier(user)}`)
          else if (found.rows[0]?.owner !== user) await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} OWNER TO ${pg.escapeIdentifier(user)}`)
          await admin.query(`REVOKE ALL ON DATABASE ${pg.escapeIdentifier(database)} FROM PUBLIC`)
          owned.push({ database, role: user })
        }
        await ensureRole(admin, ACCOUNTS.jdbcSink, config.secrets.jdbcSinkPassword)
        // The web console's reads: the role only here; its column grants need the services' tables,
        // so the console's own start gives them (stack/src/components/console.ts).
        await ensureRole(admin, ep.consolePostgres.user, ep.consolePostgres.password)
        const cdc = cargaConnectorAccounts(config).postgresCdc
        await ensureRole(admin, cdc.user, cdc.password, { replication: true })
        if (owned.some(o => o.database === CARGA_DATABASE)) await admin.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(CARGA_DATABASE)} TO ${pg.escapeIdentifier(cdc.user)}`)
        for (const database of [JOBS_DATABASE, INVENTORY_DATABASE]) {
          const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database])
          if (found.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`)
          await admin.query(`REVOKE ALL ON DATABASE ${pg.escapeIdentifier(database)} FROM PUBLIC`)
          await admin.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${pg.escapeIdentifier(ACCOUNTS.jdbcSink)}`)
        }
      } finally {
        await admin.end()
      }
      // A database an older Ripple made as the superuser: its tables pass to the owning role, so its migrations may alter them.
      for (const { database, role } of owned) {
        const client = superuser(database)
        await client.connect()
        try { await reassignPublicObjects(client, role) } finally { await client.end() }
      }
      // Debezium's role reads carga's tables (the snapshot's SELECT) and writes none. tabela is made
      // by sync-service's migration, after this on a new stack: the owner's future tables are
      // readable by default, the ones already there by the GRANT. The publication is the owner's.
      const cargaOwner = owned.find(o => o.database === CARGA_DATABASE)
      if (cargaOwner) {
        const cdc = pg.escapeIdentifier(cargaConnectorAccounts(config).postgresCdc.user)
        const carga = superuser(CARGA_DATABASE)
        await carga.connect()
        try {
          await carga.query(`GRANT USAGE ON SCHEMA public TO ${cdc}`)
          await carga.query(`ALTER DEFAULT PRIVILEGES FOR ROLE ${pg.escapeIdentifier(cargaOwner.role)} IN SCHEMA public GRANT SELECT ON TABLES TO ${cdc}`)
          await carga.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${cdc}`)
        } finally {
          await carga.end()
        }
      }
      const jobs = superuser(JOBS_DATABASE)
      await jobs.connect()
      try {
        await jobs.query(`CREATE TABLE IF NOT EXISTS jobs (
          id varchar(36) PRIMARY KEY,
          status text NOT NULL,
          create_date bigint NOT NULL,
          finish_date bigint
        )`)
        const sink = pg.escapeIdentifier(ACCOUNTS.jdbcSink)
        await jobs.query(`GRANT USAGE ON SCHEMA public TO ${sink}`)
        // An upsert (INSERT … ON CONFLICT (id) DO UPDATE) needs SELECT besides INSERT and UPDATE; no DELETE, no DDL.
        await jobs.query(`GRANT SELECT, INSERT, UPDATE ON TABLE jobs TO ${sink}`)
      } finally {
        await jobs.end()
      }
      const inventory = superuser(INVENTORY_DATABASE)
      await inventory.connect()
      try {
        await inventory.query('CREATE TABLE IF NOT EXISTS categories (id integer PRIMARY KEY, name varchar(255))')
        const sink = pg.escapeIdentifier(ACCOUNTS.jdbcSink)
        await inventory.query(`GRANT USAGE ON SCHEMA public TO ${sink}`)
        await inventory.query(`GRANT SELECT, INSERT, UPDATE ON TABLE categories TO ${sink}`)
      } finally {
        await inventory.end()
      }
    },

    health: () => probe('PostgreSQL', async () => {
      const client = new pg.Client({ ...ep.postgres, database: 'postgres', connectionTimeoutMillis: 2000 })
      await client.connect()
      try { await client.query('SELECT 1') } finally { await client.end() }
    })
  }
}
