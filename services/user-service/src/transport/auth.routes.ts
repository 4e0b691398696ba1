import { HttpError, InvalidInputError, parseInput } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { TooManyAttemptsError } from '../entities/user.errors.ts'
import type { SignIn, SignInInput } from '../interactors/sign-in.interactor.ts'
import { password, unicodeText } from './user.decoder.ts'

const tokenBody = z.strictObject({
  username: unicodeText().max(255).optional(),
  email: unicodeText().max(255).optional(),
  password: password().optional(),
  adminKey: unicodeText().max(1024).optional()
})

/** `{username|email, password}` or `{adminKey}`: one way of signing in per request. */
function signInInput (body: z.infer<typeof tokenBody>): SignInInput {
  const ways = [body.username, body.email, body.adminKey].filter(v => v !== undefined).length
  if (ways !== 1) throw new InvalidInputError(body.adminKey === undefined ? 'username' : 'adminKey', 'give exactly one of username, email (each with password) or adminKey')
  if (body.adminKey !== undefined) {
    if (body.password !== undefined) throw new InvalidInputError('password', 'an admin signs in with adminKey alone')
    return { adminKey: body.adminKey }
  }
  if (body.password === undefined) throw new InvalidInputError('password', 'password is required')
  return body.username !== undefined ? { username: body.username, password: body.password } : { email: body.email!, password: body.password }
}

/** POST /auth/token: sign in, answered with a Bearer access token. */
export function registerAuthRoutes (app: FastifyInstance, { signIn }: { signIn: SignIn }): void {
  app.post('/auth/token', async req => {
    const result = await signIn(signInInput(parseInput(tokenBody, req.body)), req.ip)
    if (result.ok) return result.value
    const e = result.error
    if (e instanceof TooManyAttemptsError) throw new HttpError(429, e.code, e.message, 'credentials', { 'retry-after': String(e.retryAfterSeconds) })
    throw new HttpError(401, e.code, e.message, 'credentials')
  })
}
