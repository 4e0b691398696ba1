import { authenticate, HttpError, InvalidInputError, parseInput, requireAdmin, requireOwner } from '@ripple/kit'
import type { AccessTokens, Caller } from '@ripple/kit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { User } from '../entities/user.entity.ts'
import {
  ConfirmationUsedError, CurrentPasswordRequiredError, DuplicateUserError, TokenRevokedError, TooManyAttemptsError, UserNotFoundError, WrongCurrentPasswordError
} from '../entities/user.errors.ts'
import type { InvalidUserError } from '../entities/user.errors.ts'
import type { ConfirmEmail } from '../interactors/confirm-email.interactor.ts'
import type { CreateUser } from '../interactors/create-user.interactor.ts'
import type { DeleteUser } from '../interactors/delete-user.interactor.ts'
import type { GetUser } from '../interactors/get-user.interactor.ts'
import type { ListUsers } from '../interactors/list-users.interactor.ts'
import type { UpdateUser } from '../interactors/update-user.interactor.ts'
import { calendarDate, email, optionalText, password, username } from './user.decoder.ts'

export interface UserInteractors {
  createUser: CreateUser
  getUser: GetUser
  listUsers: ListUsers
  updateUser: UpdateUser
  deleteUser: DeleteUser
  confirmEmail: ConfirmEmail
}

// Lower case, as ids are answered and as tokens name them, so an upper-case path is still the owner's.
const idParams = z.object({ id: z.guid().transform(id => id.toLowerCase()) })
// Strict: a misspelt field (`fullname`) is refused by name instead of silently ignored; so is
// `status`, which only the confirmation link sets.
const createBody = z.strictObject({
  username: username(),
  email: email(),
  password: password(),
  fullName: optionalText(),
  dateOfBirth: calendarDate().nullish(),
  address: optionalText()
})
const updateBody = createBody.partial().extend({ currentPassword: password().optional() })
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0)
})
const confirmQuery = z.object({ token: z.string().min(1).max(4096) })

/** What a client sees of a user: an explicit list, so nothing stored leaks by accident. */
const present = (u: User) => ({
  id: u.id,
  username: u.username,
  email: u.email,
  fullName: u.fullName,
  dateOfBirth: u.dateOfBirth,
  address: u.address,
  status: u.status,
  createdAt: u.createdAt.toISOString(),
  lastUpdated: u.lastUpdated.toISOString(),
  passwordChangedAt: u.passwordChangedAt?.toISOString() ?? null
})

type UserError = UserNotFoundError | DuplicateUserError | InvalidUserError | CurrentPasswordRequiredError | WrongCurrentPasswordError | TokenRevokedError | TooManyAttemptsError

const revoked = () => new HttpError(401, 'TOKEN_REVOKED', new TokenRevokedError().message, 'authorization', { 'www-authenticate': 'Bearer realm="ripple", error="invalid_token"' })

function toHttp (e: UserError): Error {
  if (e instanceof TokenRevokedError) return revoked()
  if (e instanceof UserNotFoundError) return new HttpError(404, e.code, e.message, 'id')
  if (e instanceof DuplicateUserError) return new HttpError(409, e.code, e.message, e.field)
  if (e instanceof WrongCurrentPasswordError) return new HttpError(403, e.code, e.message, 'currentPassword')
  if (e instanceof TooManyAttemptsError) return new HttpError(429, e.code, e.message, 'currentPassword', { 'retry-after': String(e.retryAfterSeconds) })
  if (e instanceof CurrentPasswordRequiredError) return new InvalidInputError('currentPassword', e.message)
  return new InvalidInputError(e.field, e.message)
}

/**
 * Sign-up and confirmation are open; everything about one account needs its owner's access token
 * (or an admin's), listing accounts an admin's: 401 without a valid token, 403 with another's.
 */
export function registerUserRoutes (app: FastifyInstance, users: UserInteractors, tokens: AccessTokens): void {
  /** The caller, if it may act on account `id` (an admin, or the owner), its token's age not yet checked. */
  async function authorizeCaller (req: FastifyRequest): Promise<{ caller: Caller, id: string }> {
    const caller = await authenticate(req, tokens)
    const { id } = parseInput(idParams, req.params, 'id')
    requireOwner(caller, id)
    return { caller, id }
  }

  /** Whether an owner's token was signed before the account's last password change, or its account is gone: either way it died with it. */
  async function isRevoked (caller: Caller, id: string): Promise<boolean> {
    if (caller.role !== 'user' || caller.issuedAtMs === undefined) return false
    const found = await users.getUser(id)
    if (!found.ok) return found.error instanceof UserNotFoundError
    const changedAt = found.value.passwordChangedAt
    return changedAt !== null && changedAt.getTime() > caller.issuedAtMs
  }

  /** The caller, if it may act on account `id`: an admin, or the owner with a token signed after the last password change. */
  async function authorizeOwner (req: FastifyRequest): Promise<{ caller: Caller, id: string }> {
    const authorized = await authorizeCaller(req)
    if (await isRevoked(authorized.caller, authorized.id)) throw revoked()
    return authorized
  }

  app.post('/users', async (req, reply) => {
    const result = await users.createUser(parseInput(createBody, req.body))
    if (!result.ok) throw toHttp(result.error)
    return reply.status(201).header('location', `/users/${result.value.id}`).send(present(result.value))
  })

  app.get('/users', async req => {
    requireAdmin(await authenticate(req, tokens))
    const page = await users.listUsers(parseInput(pageQuery, req.query, 'query'))
    return { ...page, items: page.items.map(present) }
  })

  // The link of the welcome (or address-change) mail: a GET, because it is opened from a mail.
  app.get('/users/confirm', async req => {
    const { token } = parseInput(confirmQuery, req.query, 'token')
    const result = await users.confirmEmail(token)
    if (!result.ok) {
      const status = result.error instanceof ConfirmationUsedError ? 410 : 400
      throw new HttpError(status, result.error.code, result.error.message, 'token')
    }
    return { id: result.value.id, status: result.value.status }
  })

  app.get('/users/:id', async req => {
    const { id } = await authorizeOwner(req)
    const result = await users.getUser(id)
    if (!result.ok) throw toHttp(result.error)
    return present(result.value)
  })

  // The token's age is checked on the row the update locks (one read less per PATCH); a PATCH
  // refused before it got there looks it up, so a revoked token is a 401 first, as on GET and DELETE.
  app.patch('/users/:id', async req => {
    const { caller, id } = await authorizeCaller(req)
    const refuse = async (error: unknown): Promise<never> => { throw await isRevoked(caller, id) ? revoked() : error }
    let input: z.infer<typeof updateBody>
    try {
      input = parseInput(updateBody, req.body)
    } catch (error) {
      return await refuse(error)
    }
    const { currentPassword, ...changes } = input
    const result = await users.updateUser(id, changes, { asAdmin: caller.role === 'admin', currentPassword, clientAddress: req.ip, tokenIssuedAtMs: caller.role === 'user' ? caller.issuedAtMs : undefined })
    if (!result.ok) return await refuse(toHttp(result.error))
    return present(result.value)
  })

  app.delete('/users/:id', async (req, reply) => {
    const { id } = await authorizeOwner(req)
    const result = await users.deleteUser(id)
    if (!result.ok) throw toHttp(result.error)
    return reply.status(204).send()
  })
}

