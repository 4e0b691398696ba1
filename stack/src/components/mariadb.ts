import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { execa } from 'execa'
import mysql from 'mysql2/promise'
import type { StackConfig } from '../config.ts'
import { endpoints } from '../config.ts'
import type { Component } from './component.ts'
import { probe } from './probes.ts'

/**
 * A private MariaDB with the binlog Debezium reads: ROW format, FULL row images, a server id.
 * Two accounts: `ripple` (services and tests) and `debezium` with only the CDC grants.
 */
export function mariadb (config: StackConfig): Component {
  const dataDir = join(config.paths.data, 'mariadb')
  const socket = join(config.paths.run, 'mariadb.sock')
  const ep = endpoints(config)

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
      if (!existsSync(join(dataDir, 'mysql'))) {
        await mkdir(dataDir, { recursive: true })
        await execa('mariadb-install-db', [
          '--no-defaults', `--datadir=${dataDir}`, '--user=root',
          '--auth-root-authentication-method=normal', '--skip-test-db'
        ])
      }
    },

    process: () => ({
      command: 'mariadbd',
      args: [
        '--no-defaults', '--user=root',
        `--datadir=${dataDir}`, `--socket=${socket}`, `--pid-file=${join(config.paths.run, 'mariadb.pid')}`,
        `--port=${config.ports.mariadb}`, `--bind-address=${config.host}`, '--skip-name-resolve',
        '--server-id=1', `--log-bin=${join(dataDir, 'binlog')}`, '--binlog-format=ROW', '--binlog-row-image=FULL',
        '--binlog-expire-logs-seconds=604800',
        '--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci',
        '--innodb-buffer-pool-size=256M', '--max-connections=500'
      ],
      stopTimeoutMs: 60_000
    }),

    health: () => probe('MariaDB', async () => {
      const conn = await mysql.createConnection({ ...ep.mariadb, connectTimeout: 2000 })
      try { await conn.query('SELECT 1') } finally { await conn.end() }
    }),

    async afterStart () {
      // root has no password but is reachable only through the socket in .ripple/run.
      const conn = await mysql.createConnection({ socketPath: socket, user: 'root' })
      try {
        const { user, password } = ep.mariadb
        const cdc = ep.mariadbCdc
        await conn.query('CREATE USER IF NOT EXISTS ?@\'%\' IDENTIFIED BY ?', [user, password])
        await conn.query('ALTER USER ?@\'%\' IDENTIFIED BY ?', [user, password])
        await conn.query('GRANT ALL PRIVILEGES ON *.* TO ?@\'%\' WITH GRANT OPTION', [user])
        await conn.query('CREATE USER IF NOT EXISTS ?@\'%\' IDENTIFIED BY ?', [cdc.user, cdc.password])
        await conn.query('ALTER USER ?@\'%\' IDENTIFIED BY ?', [cdc.user, cdc.password])
        // Exactly what Debezium's binlog connectors need: snapshot reads, FLUSH, binlog streaming and position.
        await conn.query('GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, BINLOG MONITOR ON *.* TO ?@\'%\'', [cdc.user])
      } finally {
        await conn.end()
      }
    }
  }
}
