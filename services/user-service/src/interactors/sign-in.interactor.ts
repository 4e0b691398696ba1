import { randomBytes } from 'node:crypto'
import { sameSecret } from '@ripple/kit'
import type { IssuedToken } from '@ripple/kit'
import { err, ok } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import { identityKey, usernameKey } from '../entities/user.entity.ts'
import { InvalidCredentialsError, TooManyAttemptsError } from '../entities/user.errors.ts'
import type { AccessTokenIssuer } from '../ports/access-token-issuer.port.ts'
import type { PasswordHasher } from '../ports/password-hasher.port.ts'
import type { UserRepository } from '../ports/user-repository.port.ts'
import { accountKeyOf } from './password-attempts.rules.ts'
import type { PasswordAttempts } from './password-attempts.rules.ts'

export type SignInInput =
  | { username: string, password: string }
  | { email: string, password: string }
  | { adminKey: string }

export interface SignInDeps {
  users: UserRepository
  hasher: PasswordHasher
  tokens: AccessTokenIssuer
  /** Failures per account (the identity key of the name given, whether or not such a user exists) and client. */
  attempts: PasswordAttempts
  adminKey: string
}

export type SignIn = (input: SignInInput, clientAddress: string) => Promise<Result<IssuedToken, InvalidCredentialsError | TooManyAttemptsError>>

export function makeSignIn ({ users, hasher, tokens, attempts, adminKey }: SignInDeps): SignIn {
  // An unknown user costs one scrypt verification too, against this hash of a password nobody
  // knows, so the answer's timing does not tell which names exist.
  let dummyHash: Promise<string> | undefined

  return async (input, clientAddress) => {
    // The admin key is a generated secret of 32+ characters, out of reach of guessing: its failures
    // count against the address only, so nobody can slow the operators down by failing on purpose.
    let accountKey: string | undefined
    let signedIn: Parameters<AccessTokenIssuer['issue']>[0] | undefined
    if ('adminKey' in input) {
      const wait = attempts.wait(undefined, clientAddress)
      if (wait > 0) return err(new TooManyAttemptsError(wait))
      if (sameSecret(input.adminKey, adminKey)) signedIn = { role: 'admin' }
    } else {
      const user = await users.findForSignIn('username' in input ? { username: input.username } : { email: input.email })
      // One count per account, whether it is named by username or email; a name nobody has is
      // counted (and slowed) alike, so a 429 does not tell which names exist.
      accountKey = user ? accountKeyOf(user.id) : `unknown:${'username' in input ? `u:${usernameKey(input.username)}` : `e:${identityKey(input.email)}`}`
      const wait = attempts.wait(accountKey, clientAddress)
      if (wait > 0) return err(new TooManyAttemptsError(wait))
      dummyHash ??= hasher.hash(randomBytes(32).toString('base64'))
      const stored = user?.passwordHash ?? await dummyHash
      const verified = await hasher.verify(input.password, stored)
      if (user && verified) {
        signedIn = { role: 'user', userId: user.id }
        // A hash made with weaker parameters than today's is replaced now, while the password is at hand.
        if (hasher.needsRehash(stored)) await users.replacePasswordHash(user.id, stored, await hasher.hash(input.password))
      }
    }

    if (!signedIn) {
      attempts.failed(accountKey, clientAddress)
      return err(new InvalidCredentialsError())
    }
    attempts.succeeded(accountKey, clientAddress)
    return ok(await tokens.issue(signedIn))
  }
}
