import { authenticate, HttpError, InvalidInputError, parseInput, requireOwner, tokenRevoked } from '@ripple/kit'
import type { AccessTokenVerifier } from '@ripple/kit'
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { POST_LIMITS } from '../entities/post.entity.ts'
import type { Post } from '../entities/post.entity.ts'
import { PostNotFoundError } from '../entities/post.errors.ts'
import type { InvalidPostError } from '../entities/post.errors.ts'
import type { CreatePost } from '../interactors/create-post.interactor.ts'
import type { GetPost } from '../interactors/get-post.interactor.ts'
import type { IsTokenRevoked } from '../interactors/token-revocation.interactor.ts'

export interface PostInteractors {
  createPost: CreatePost
  getPost: GetPost
}

// Strict: a misspelt field is refused by name instead of silently dropped.
const createBody = z.strictObject({
  // Ids from other services (UUIDs, numbers as text); no spaces, so a key is never ambiguous.
  authorId: z.string().trim().min(1).max(POST_LIMITS.authorId).regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only'),
  title: z.string().trim().min(1).max(POST_LIMITS.title),
  // Not trimmed: leading spaces may be the author's formatting.
  content: z.string().min(1).max(POST_LIMITS.content)
})

const idParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) })

const present = (p: Post) => ({ id: p.id, authorId: p.authorId, title: p.title, content: p.content, createdAt: p.createdAt.toISOString() })

function toHttp (e: PostNotFoundError | InvalidPostError): Error {
  if (e instanceof PostNotFoundError) return new HttpError(404, e.code, e.message, 'id')
  return new InvalidInputError(e.field, e.message)
}

/** How a request's token is checked: user-service's signature, then what this service learnt of the user since. */
export interface TokenChecks {
  tokens: AccessTokenVerifier
  isRevoked: IsTokenRevoked
}

/**
 * Posting needs the author's access token (user-service's JWT; its subject is the author), or an
 * admin's, which may post for anyone: 401 without a valid token or with a revoked one
 * (TOKEN_REVOKED), 403 naming authorId for another author. Reading a post is open.
 */
export function registerPostRoutes (app: FastifyInstance, posts: PostInteractors, { tokens, isRevoked }: TokenChecks): void {
  app.post('/posts', async (req, reply) => {
    // The token before the input, so a caller without one learns nothing else.
    const caller = await authenticate(req, tokens)
    if (await isRevoked(caller)) throw tokenRevoked()
    const input = parseInput(createBody, req.body)
    requireOwner(caller, input.authorId, 'authorId')
    const result = await posts.createPost(input)
    if (!result.ok) throw toHttp(result.error)
    return reply.status(201).header('location', `/posts/${result.value.id}`).send(present(result.value))
  })

  app.get('/posts/:id', async req => {
    const { id } = parseInput(idParams, req.params, 'id')
    const result = await posts.getPost(id)
    if (!result.ok) throw toHttp(result.error)
    return present(result.value)
  })
}
