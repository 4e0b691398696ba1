import { defineService } from '@ripple/kit'
import type { UserServiceConfig } from './config.ts'
import { createMariaDbUserRepository } from './adapters/mariadb-user-repository.adapter.ts'
import { migrate, USER_DB_OPTIONS } from './adapters/mariadb.migrations.ts'
import { createScryptPasswordHasher } from './adapters/scrypt-password-hasher.adapter.ts'
import { makeCreateUser } from './interactors/create-user.interactor.ts'
import { makeDeleteUser } from './interactors/delete-user.interactor.ts'
import { makeGetUser } from './interactors/get-user.interactor.ts'
import { makeListUsers } from './interactors/list-users.interactor.ts'
import { makeUpdateUser } from './interactors/update-user.interactor.ts'
import { registerUserRoutes } from './transport/user.routes.ts'

/** The composition root: the only place that knows which adapter fills which port. */
export const createUserService = defineService<UserServiceConfig>('user-service', async ({ config, http, mariadb }) => {
  const { pool } = await mariadb({ database: config.MARIADB_DATABASE, connectionLimit: config.MARIADB_POOL_SIZE, options: USER_DB_OPTIONS, migrate })
  const users = createMariaDbUserRepository(pool)
  const hasher = createScryptPasswordHasher()

  registerUserRoutes(http, {
    createUser: makeCreateUser({ users, hasher }),
    getUser: makeGetUser({ users }),
    listUsers: makeListUsers({ users }),
    updateUser: makeUpdateUser({ users, hasher }),
    deleteUser: makeDeleteUser({ users })
  })
})

export type UserService = ReturnType<typeof createUserService>
