import { HttpError, InvalidInputError, parseInput } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { userStatuses } from '../entities/user.entity.ts'
import type { User } from '../entities/user.entity.ts'
import { DuplicateUserError, UserNotFoundError } from '../entities/user.errors.ts'
import type { InvalidUserError } from '../entities/user.errors.ts'
import type { CreateUser } from '../interactors/create-user.interactor.ts'
import type { DeleteUser } from '../interactors/delete-user.interactor.ts'
import type { GetUser } from '../interactors/get-user.interactor.ts'
import type { ListUsers } from '../interactors/list-users.interactor.ts'
import type { UpdateUser } from '../interactors/update-user.interactor.ts'

export interface UserInteractors {
  createUser: CreateUser
  getUser: GetUser
  listUsers: ListUsers
  updateUser: UpdateUser
  deleteUser: DeleteUser
}

// Shapes and formats only; business rules (password length, birth date) are the interactors'.
// 255 is the columns' width: longer text would be a database error, so it is refused here.
const requiredText = z.string().trim().min(1).max(255)
const optionalText = z.string().trim().max(255).nullish()

const idParams = z.object({ id: z.guid() })
// Strict: a misspelt field (`fullname`) is refused by name instead of silently ignored.
const createBody = z.strictObject({
  username: requiredText,
  email: z.email().max(255),
  // Bounded because scrypt's cost grows with it.
  password: z.string().max(1024),
  fullName: optionalText,
  dateOfBirth: z.iso.date().nullish(),
  address: optionalText,
  status: z.enum(userStatuses).optional()
})
const updateBody = createBody.partial()
const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).default(0)
})

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
  lastUpdated: u.lastUpdated.toISOString()
})

function toHttp (e: UserNotFoundError | DuplicateUserError | InvalidUserError): Error {
  if (e instanceof UserNotFoundError) return new HttpError(404, e.code, e.message, 'id')
  if (e instanceof DuplicateUserError) return new HttpError(409, e.code, e.message, e.field)
  return new InvalidInputError(e.field, e.message)
}

export function registerUserRoutes (app: FastifyInstance, users: UserInteractors): void {
  app.post('/users', async (req, reply) => {
    const result = await users.createUser(parseInput(createBody, req.body))
    if (!result.ok) throw toHttp(result.error)
    return reply.status(201).header('location', `/users/${result.value.id}`).send(present(result.value))
  })

  app.get('/users', async req => {
    const page = await users.listUsers(parseInput(pageQuery, req.query, 'query'))
    return { ...page, items: page.items.map(present) }
  })

  app.get('/users/:id', async req => {
    const { id } = parseInput(idParams, req.params, 'id')
    const result = await users.getUser(id)
    if (!result.ok) throw toHttp(result.error)
    return present(result.value)
  })

  app.patch('/users/:id', async req => {
    const { id } = parseInput(idParams, req.params, 'id')
    const result = await users.updateUser(id, parseInput(updateBody, req.body))
    if (!result.ok) throw toHttp(result.error)
    return present(result.value)
  })

  app.delete('/users/:id', async (req, reply) => {
    const { id } = parseInput(idParams, req.params, 'id')
    const result = await users.deleteUser(id)
    if (!result.ok) throw toHttp(result.error)
    return reply.status(204).send()
  })
}
