import { createHttpServer, createLogger, createMetrics, HttpError } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import type { UserServiceConfig } from './config.ts'
import { createMariaDbPool } from './adapters/mariadb.database.ts'
import type { MariaDbSettings } from './adapters/mariadb.database.ts'
import { createMariaDbUserRepository } from './adapters/mariadb-user-repository.adapter.ts'
import { migrate } from './adapters/mariadb.migrations.ts'
import { createScryptPasswordHasher } from './adapters/scrypt-password-hasher.adapter.ts'
import { makeCreateUser } from './interactors/create-user.interactor.ts'
import { makeDeleteUser } from './interactors/delete-user.interactor.ts'
import { makeGetUser } from './interactors/get-user.interactor.ts'
import { makeListUsers } from './interactors/list-users.interactor.ts'
import { makeUpdateUser } from './interactors/update-user.interactor.ts'
import { registerUserRoutes } from './transport/user.routes.ts'

export interface UserService {
  /** Migrates the database, then listens; answers the base URL (PORT=0 picks a free port). */
  start (): Promise<string>
  stop (): Promise<void>
  app: FastifyInstance
}

/** The composition root: the only place that knows which adapter fills which port. */
export function createUserService (config: UserServiceConfig): UserService {
  const logger = createLogger('user-service', config.LOG_LEVEL)
  const metrics = createMetrics('user-service')
  const db: MariaDbSettings = {
    host: config.MARIADB_HOST,
    port: config.MARIADB_PORT,
    user: config.MARIADB_USER,
    password: config.MARIADB_PASSWORD,
    database: config.MARIADB_DATABASE,
    connectionLimit: config.MARIADB_POOL_SIZE
  }
  const pool = createMariaDbPool(db)
  const users = createMariaDbUserRepository(pool)
  const hasher = createScryptPasswordHasher()

  const app = createHttpServer({
    logger,
    metrics,
    health: async () => {
      try {
        await pool.query('SELECT 1')
      } catch (e) {
        throw new HttpError(503, 'MARIADB_DOWN', `MariaDB does not answer: ${(e as Error).message}`)
      }
      return { mariadb: 'ok' }
    }
  })
  registerUserRoutes(app, {
    createUser: makeCreateUser({ users, hasher }),
    getUser: makeGetUser({ users }),
    listUsers: makeListUsers({ users }),
    updateUser: makeUpdateUser({ users, hasher }),
    deleteUser: makeDeleteUser({ users })
  })

  return {
    app,
    async start () {
      await migrate(db)
      return app.listen({ host: config.HOST, port: config.PORT })
    },
    async stop () {
      // Requests in flight finish before the pool they use goes away.
      await app.close()
      await pool.end()
    }
  }
}
