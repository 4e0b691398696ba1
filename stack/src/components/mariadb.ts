import { existsSync, statSync } from 'node:fs'
import { chmod, chown, mkdir } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { execa } from 'execa'
import mysql from 'mysql2/promise'
import type { Connection } from 'mysql2/promise'
import type { StackConfig } from '../config.ts'
import { ACCOUNTS, endpoints } from '../config.ts'
import { cargaConnectorAccounts } from '../connectors.ts'
import type { ConnectorDefinition } from '@ripple/operations'
import { StackError } from '../errors.ts'
import type { Component } from './component.ts'
import { ensureSystemUser, osUserIds, dropsRoot } from './os-user.ts'
import { probe } from './probes.ts'

/** Seed 001's Connect lesson: a Debezium source captures inventory.categories (connectors/inventory-categories-source.json). */
export const INVENTORY_DATABASE = 'inventory'

/**
 * Seed 002's last store (its "MySQL"): the JDBC sink (connectors/carga-mariadb-sink.json) carries
 * PostgreSQL carga.tabela here, through Debezium's source on it.
 */
export const CARGA_DATABASE = 'carga'

/** A database name as a grant's target: `_` and `%` are wildcards there, so they are escaped. */
export const grantTarget = (database: string): string => `\`${database.replace(/([_%\\])/g, '\\$1')}\`.*`

/** The account Debian's mariadb-server package makes for the server. */
const MARIADB_OS_USER = 'mysql'

const socketPath = (config: StackConfig): string => join(config.paths.run, 'mariadb', 'mariadb.sock')

/** root through the socket: its password once set, none on a datadir made before root had one. */
async function rootConnection (config: StackConfig): Promise<Connection> {
  const socket = socketPath(config)
  try {
    return await mysql.createConnection({ socketPath: socket, user: ACCOUNTS.mariadbRoot, password: config.secrets.mariadbRootPassword })
  } catch (err) {
    if ((err as { code?: string }).code !== 'ER_ACCESS_DENIED_ERROR') throw err
    return await mysql.createConnection({ socketPath: socket, user: ACCOUNTS.mariadbRoot })
  }
}

async function ensureAccount (conn: Connection, user: string, password: string): Promise<void> {
  await conn.query('CREATE USER IF NOT EXISTS ?@\'%\' IDENTIFIED BY ?', [user, password])
  await conn.query('ALTER USER ?@\'%\' IDENTIFIED BY ?', [user, password])
}

/** A table a read-only account may read, and the only columns it may read there. */
export interface ColumnGrant { database: string, table: string, columns: readonly string[] }

/**
 * Makes `user` a read-only account with exactly these column grants: everything it had is
 * revoked first, so a column or table dropped from the list is no longer readable. A table that
 * does not exist (yet) is left out: MariaDB grants on tables, not on names. Returns the tables left out.
 */
export async function grantColumnReads (config: StackConfig, user: string, grants: readonly ColumnGrant[], globalPrivileges: readonly string[] = [], tablePrivileges: readonly string[] = []): Promise<string[]> {
  const conn = await rootConnection(config)
  const missing: string[] = []
  try {
    await conn.query('REVOKE ALL PRIVILEGES, GRANT OPTION FROM ?@\'%\'', [user])
    if (globalPrivileges.length > 0) await conn.query(`GRANT ${globalPrivileges.join(', ')} ON *.* TO ?@'%'`, [user])
    for (const g of grants) {
      const [found] = await conn.query('SELECT 1 FROM information_schema.tables WHERE table_schema = ? AND table_name = ?', [g.database, g.table]) as unknown as [unknown[]]
      if (found.length === 0) { missing.push(`${g.database}.${g.table}`); continue }
      const privileges = [`SELECT (${g.columns.map(c => conn.escapeId(c)).join(', ')})`, ...tablePrivileges].join(', ')
      await conn.query(`GRANT ${privileges} ON ${conn.escapeId(g.database)}.${conn.escapeId(g.table)} TO ?@'%'`, [user])
    }
  } finally {
    await conn.end()
  }
  return missing
}

/** What Debezium's binlog connectors need beyond their tables: FLUSH for the snapshot, the database list, binlog streaming and position. */
export const CAPTURE_PRIVILEGES = ['RELOAD', 'SHOW DATABASES', 'REPLICATION SLAVE', 'BINLOG MONITOR'] as const

/** A literal `db\.table` (or `db\.table\.column`) of a Debezium include/exclude list; anything else is a pattern no grant can follow. */
function literalNames (list: string | undefined, parts: number, what: string): string[][] {
  return (list ?? '').split(',').map(s => s.trim()).filter(Boolean).map(pattern => {
    const names = pattern.split('\\.')
    if (names.length !== parts || names.some(n => !/^[A-Za-z0-9_$]+$/.test(n))) {
      throw new StackError('CAPTURE_PATTERN', `${what} "${pattern}" is a pattern, not a ${parts === 2 ? 'table' : 'column'} name: grant the debezium account its SELECT by hand, or list the names.`)
    }
    return names
  })
}

/** The tables the MariaDB source connectors capture as `debezium`, each with the columns they leave out. */
export function capturedTables (config: StackConfig, connectors: readonly ConnectorDefinition[]): { database: string, table: string, excluded: string[] }[] {
  const user = endpoints(config).mariadbCdc.user
  const sources = connectors.filter(c => /mariadb|mysql/i.test(c.config['connector.class'] ?? '') && c.config['database.user'] === user)
  return sources.flatMap(c => literalNames(c.config['table.include.list'], 2, `${c.name}: table.include.list`).map(([database, table]) => ({
    database: database!, table: table!, excluded: literalNames(c.config['column.exclude.list'], 3, `${c.name}: column.exclude.list`).filter(([d, t]) => d === database && t === table).map(([, , column]) => column!)
  })))
}

/**
 * The `debezium` account reads exactly what the MariaDB source connectors capture: SELECT on each
 * table of their table.include.list, on the columns they keep (column.exclude.list's are left
 * out, so users.password is unreadable to it), and the replication rights; nothing of mysql.* or
 * any other table. Runs before the connectors are applied, once the services made their tables.
 */
export async function grantCaptureReads (config: StackConfig, connectors: readonly ConnectorDefinition[]): Promise<string[]> {
  const user = endpoints(config).mariadbCdc.user
  const tables = capturedTables(config, connectors)
  const conn = await rootConnection(config)
  const grants: ColumnGrant[] = []
  try {
    for (const t of tables) {
      const [rows] = await conn.query('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position', [t.database, t.table]) as unknown as [{ name: string }[]]
      const columns = rows.map(r => r.name).filter(name => !t.excluded.includes(name))
      if (columns.length > 0) grants.push({ database: t.database, table: t.table, columns })
    }
  } finally {
    await conn.end()
  }
  // A snapshot reads the table's definition (SHOW CREATE TABLE), which MariaDB allows only with a
  // privilege on the whole table, not its columns: REFERENCES, which MariaDB grants but never uses,
  // gives that and no read of the left-out columns.
  return grantColumnReads(config, user, grants, CAPTURE_PRIVILEGES, ['REFERENCES'])
}

/**
 * A private MariaDB with the binlog Debezium reads: ROW format, FULL row images, a server id.
 * Accounts: root@localhost (unix socket in a 0700 folder, or its generated password over that
 * socket; never over TCP), `ripple` (admin, for tests' scratch databases), `debezium` with only
 * the CDC grants (grantCaptureReads), `console` (the web console: SELECT on some columns, see grantColumnReads), and one account per service that declares a MariaDB database in its
 * package.json "ripple".database, with every right on that database and none elsewhere.
 */
export function mariadb (config: StackConfig): Component {
  const dataDir = join(config.paths.data, 'mariadb')
  const socketDir = join(config.paths.run, 'mariadb')
  const socket = socketPath(config)
  const ep = endpoints(config)

  const connectRoot = () => rootConnection(config)
  // Under a root `up`, the server runs as the mysql account Debian's package made, never as root.
  const osUser = dropsRoot() ? MARIADB_OS_USER : undefined

  return {
    name: 'mariadb',
    dependsOn: [],
    address: () => `${config.host}:${config.ports.mariadb}`,
    ports: () => [{ port: config.ports.mariadb, what: 'MariaDB (RIPPLE_MARIADB_PORT)' }],
    binaries: () => [
      { path: 'mariadbd', aptPackage: 'mariadb-server' },
      { path: 'mariadb-install-db', aptPackage: 'mariadb-server' }
    ],

    async prepare () {
      await mkdir(config.paths.run, { recursive: true })
      // Only the server's own OS user may reach the socket (and root's unix_socket login).
      await mkdir(socketDir, { recursive: true, mode: 0o700 })
      await chmod(socketDir, 0o700)
      await mkdir(dataDir, { recursive: true, mode: 0o700 })
      if (osUser) {
        // The folders belong to the server's own account (a datadir an older Ripple made as root too).
        await ensureSystemUser(osUser)
        const { uid, gid } = await osUserIds(osUser)
        await chown(socketDir, uid, gid)
        if (statSync(dataDir).uid !== uid) await execa('chown', ['-R', `${uid}:${gid}`, dataDir])
      }
      if (!existsSync(join(dataDir, 'mysql'))) {
        await execa('mariadb-install-db', [
          '--no-defaults', `--datadir=${dataDir}`, `--user=${osUser ?? userInfo().username}`,
          '--auth-root-authentication-method=socket', '--skip-test-db'
        ])
      }
    },

    process: () => ({
      command: 'mariadbd',
      args: [
        '--no-defaults',
        `--datadir=${dataDir}`, `--socket=${socket}`, `--pid-file=${join(socketDir, 'mariadb.pid')}`,
        `--port=${config.ports.mariadb}`, `--bind-address=${config.host}`, '--skip-name-resolve',
        '--server-id=1', `--log-bin=${join(dataDir, 'binlog')}`, '--binlog-format=ROW', '--binlog-row-image=FULL',
        '--binlog-expire-logs-seconds=604800',
        '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci',
        '--innodb-buffer-pool-size=256M', '--max-connections=500'
      ],
      stopTimeoutMs: 60_000,
      ...(osUser ? { user: osUser } : {})
    }),

    health: () => probe('MariaDB', async () => {
      const conn = await mysql.createConnection({ ...ep.mariadb, connectTimeout: 2000 })
      try { await conn.query('SELECT 1') } finally { await conn.end() }
    }),

    // Runs on every `up`: brings an existing datadir (root without a password, shared accounts) to the same state as a new one.
    async afterStart () {
      const conn = await connectRoot()
      try {
        // root: the OS user root through the socket, or root's generated password through the socket; no other root, no anonymous account.
        await conn.query('ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD(?)', [config.secrets.mariadbRootPassword])
        const [strays] = await conn.query('SELECT User AS user, Host AS host FROM mysql.user WHERE (User = \'root\' AND Host <> \'localhost\') OR User = \'\'') as unknown as [{ user: string, host: string }[]]
        for (const { user, host } of strays) await conn.query('DROP USER IF EXISTS ?@?', [user, host])
        // mariadb-install-db --user=<account> also makes <account>@localhost, every right by unix_socket
        // for the server's OS account: nothing of the stack logs in as it, so it goes like the strays.
        const serverAccount = osUser ?? userInfo().username
        if (serverAccount !== ACCOUNTS.mariadbRoot) await conn.query('DROP USER IF EXISTS ?@\'localhost\'', [serverAccount])

        await ensureAccount(conn, ep.mariadb.user, ep.mariadb.password)
        await conn.query('GRANT ALL PRIVILEGES ON *.* TO ?@\'%\' WITH GRANT OPTION', [ep.mariadb.user])
        await ensureAccount(conn, ep.mariadbCdc.user, ep.mariadbCdc.password)
        // The replication rights; its table reads come with the connectors (grantCaptureReads), once the tables exist.
        await conn.query(`GRANT ${CAPTURE_PRIVILEGES.join(', ')} ON *.* TO ?@'%'`, [ep.mariadbCdc.user])

        // No service's: the admin account writes it (the lesson's test, docs/pipelines.md's commands), `debezium` reads it (its connector's grant).
        await conn.query(`CREATE DATABASE IF NOT EXISTS \`${INVENTORY_DATABASE}\``)
        await conn.query(`CREATE TABLE IF NOT EXISTS \`${INVENTORY_DATABASE}\`.categories (id INT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(255))`)

        // No service's either: the JDBC sink writes it, with an account that may only upsert and
        // delete its rows. Ids compare as in PostgreSQL, byte for byte with trailing spaces
        // counting (utf8mb4_nopad_bin): under the server's case-insensitive collation `a` and `A`,
        // two rows upstream, would be one here. utf8mb4 keeps every character, emoji included.
        await conn.query(`CREATE DATABASE IF NOT EXISTS \`${CARGA_DATABASE}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`)
        await conn.query(`CREATE TABLE IF NOT EXISTS \`${CARGA_DATABASE}\`.tabela (
          id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY,
          valor LONGTEXT CHARACTER SET utf8mb4 NOT NULL,
          updated_at DATETIME(6) NOT NULL
        )`)
        const sink = cargaConnectorAccounts(config).mariadbSink
        await ensureAccount(conn, sink.user, sink.password)
        // An upsert (INSERT … ON DUPLICATE KEY UPDATE) and the deletes Debezium carries; no DDL, nothing else.
        await conn.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${CARGA_DATABASE}\`.tabela TO ?@'%'`, [sink.user])

        // The web console's reads: the account only here; its column grants need the services' tables,
        // so the console's own start gives them (stack/src/components/console.ts).
        await ensureAccount(conn, ep.consoleMariadb.user, ep.consoleMariadb.password)

        for (const s of config.services) {
          if (s.database?.engine !== 'mariadb') continue
          await ensureAccount(conn, s.database.user, s.database.password)
          // All on its own database (its migration may CREATE it), nothing on any other, nothing global.
          await conn.query(`GRANT ALL PRIVILEGES ON ${grantTarget(s.database.database)} TO ?@'%'`, [s.database.user])
        }
      } finally {
        await conn.end()
      }
    }
  }
}
