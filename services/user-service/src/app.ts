import { createAccessTokens, createConfirmationTokens, defineService } from '@ripple/kit'
import type { UserServiceConfig } from './config.ts'
import { createMemoryAttemptLimiter, createProgressiveDelayLimiter } from './adapters/memory-attempt-limiter.adapter.ts'
import { createMariaDbUserRepository } from './adapters/mariadb-user-repository.adapter.ts'
import { migrate, USER_DB_OPTIONS } from './adapters/mariadb.migrations.ts'
import { createScryptPasswordHasher } from './adapters/scrypt-password-hasher.adapter.ts'
import { makeConfirmEmail } from './interactors/confirm-email.interactor.ts'
import { makeCreateUser } from './interactors/create-user.interactor.ts'
import { makeDeleteUser } from './interactors/delete-user.interactor.ts'
import { makeGetUser } from './interactors/get-user.interactor.ts'
import { makeListUsers } from './interactors/list-users.interactor.ts'
import { makePasswordAttempts } from './interactors/password-attempts.rules.ts'
import { makeSignIn } from './interactors/sign-in.interactor.ts'
import { makeUpdateUser } from './interactors/update-user.interactor.ts'
import { registerAuthRoutes } from './transport/auth.routes.ts'
import { registerUserRoutes } from './transport/user.routes.ts'

/** The composition root: the only place that knows which adapter fills which port. */
export const createUserService = defineService<UserServiceConfig>('user-service', async ({ config, http, mariadb }) => {
  const { pool } = await mariadb({ database: config.MARIADB_DATABASE, connectionLimit: config.MARIADB_POOL_SIZE, options: USER_DB_OPTIONS, migrate })
  const users = createMariaDbUserRepository(pool)
  const hasher = createScryptPasswordHasher()
  const tokens = createAccessTokens(config)
  // One count for sign-ins and currentPassword checks alike.
  const attempts = makePasswordAttempts({
    accounts: createProgressiveDelayLimiter({ baseSeconds: config.AUTH_DELAY_BASE_SECONDS, maxSeconds: config.AUTH_DELAY_MAX_SECONDS, forgetAfterSeconds: config.AUTH_DELAY_FORGET_SECONDS }),
    addresses: createMemoryAttemptLimiter({ maxFailures: config.AUTH_MAX_FAILURES_PER_ADDRESS, windowSeconds: config.AUTH_LOCKOUT_SECONDS })
  })

  registerAuthRoutes(http, {
    signIn: makeSignIn({
      users,
      hasher,
      tokens,
      attempts,
      adminKey: config.ADMIN_KEY
    })
  })
  registerUserRoutes(http, {
    createUser: makeCreateUser({ users, hasher }),
    getUser: makeGetUser({ users }),
    listUsers: makeListUsers({ users }),
    updateUser: makeUpdateUser({ users, hasher, attempts }),
    deleteUser: makeDeleteUser({ users }),
    confirmEmail: makeConfirmEmail({ users, confirmations: createConfirmationTokens(config) })
  }, tokens)
})

export type UserService = ReturnType<typeof createUserService>
