import { authenticate, HttpError, InvalidInputError, parseInput, requireOwner, tokenRevoked } from '@ripple/kit'
import type { AccessTokenVerifier, Caller } from '@ripple/kit'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Notification } from '../entities/notification.entity.ts'
import type { Subscription } from '../entities/subscription.entity.ts'
import { SubscriptionNotFoundError } from '../entities/subscription.errors.ts'
import type { InvalidSubscriptionError } from '../entities/subscription.errors.ts'
import type { ListNotifications } from '../interactors/notifications.interactor.ts'
import type { ListSubscriptions, Subscribe, Unsubscribe } from '../interactors/subscribe.interactor.ts'
import type { IsTokenRevoked } from '../interactors/token-revocation.interactor.ts'

export interface SubscriptionInteractors {
  subscribe: Subscribe
  unsubscribe: Unsubscribe
  listSubscriptions: ListSubscriptions
  listNotifications: ListNotifications
}

// The same shape post-service accepts for authors: ids from other services, no spaces.
const userId = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only')

const subscribeBody = z.strictObject({
  subscriberId: userId,
  authorId: userId,
  // Whether its address is one a webhook may reach is the subscribe interactor's question.
  webhookUrl: z.url({ protocol: /^https?$/ }).max(2048).nullish()
})
const pairParams = z.object({ subscriberId: userId, authorId: userId })
const subscriberQuery = z.object({ subscriberId: userId })
const notificationsQuery = z.object({
  subscriberId: userId,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0)
})

const presentSubscription = (s: Subscription) => ({ subscriberId: s.subscriberId, authorId: s.authorId, webhookUrl: s.webhookUrl, createdAt: s.createdAt.toISOString() })

const presentNotification = (n: Notification) => ({
  id: n.id,
  eventId: n.eventId,
  subscriberId: n.subscriberId,
  authorId: n.authorId,
  post: { id: n.postId, title: n.title, createdAt: n.postCreatedAt.toISOString() },
  createdAt: n.createdAt.toISOString(),
  delivery: n.delivery && {
    webhookUrl: n.delivery.webhookUrl,
    state: n.delivery.state,
    attempts: n.delivery.attempts,
    lastError: n.delivery.lastError,
    nextAttemptAt: n.delivery.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: n.delivery.deliveredAt?.toISOString() ?? null
  }
})

function toHttp (e: SubscriptionNotFoundError | InvalidSubscriptionError): Error {
  if (e instanceof SubscriptionNotFoundError) return new HttpError(404, e.code, e.message, e.field)
  return new InvalidInputError(e.field, e.message)
}

/** How a request's token is checked: user-service's signature, then what this service learnt of the user since. */
export interface TokenChecks {
  tokens: AccessTokenVerifier
  isRevoked: IsTokenRevoked
}

/**
 * Every route acts for one subscriber and needs that user's access token (user-service's JWT):
 * 401 without a valid one or with a revoked one (TOKEN_REVOKED: signed before a password change,
 * or its account deleted), 403 for another user's (`subscriberId` named); an admin token may act
 * for anyone. The token is checked before the input, so a caller without one learns nothing else.
 */
export function registerSubscriptionRoutes (app: FastifyInstance, interactors: SubscriptionInteractors, { tokens, isRevoked }: TokenChecks): void {
  async function authenticateCaller (req: FastifyRequest): Promise<Caller> {
    const caller = await authenticate(req, tokens)
    if (await isRevoked(caller)) throw tokenRevoked()
    return caller
  }

  // Subscribing again answers 200 with the subscription as it now is (webhook replaced).
  app.post('/subscriptions', async (req, reply) => {
    const caller = await authenticateCaller(req)
    const body = parseInput(subscribeBody, req.body)
    requireOwner(caller, body.subscriberId, 'subscriberId')
    const result = await interactors.subscribe({ subscriberId: body.subscriberId, authorId: body.authorId, webhookUrl: body.webhookUrl ?? null })
    if (!result.ok) throw toHttp(result.error)
    const { subscription, created, webhookSecret } = result.value
    // The secret is in this answer only: the subscriber keeps it to verify webhook-signature.
    return reply.status(created ? 201 : 200)
      .header('location', `/subscriptions/${encodeURIComponent(subscription.subscriberId)}/${encodeURIComponent(subscription.authorId)}`)
      .header('cache-control', 'no-store')
      .send({ ...presentSubscription(subscription), webhookSecret })
  })

  app.get('/subscriptions', async req => {
    const caller = await authenticateCaller(req)
    const { subscriberId } = parseInput(subscriberQuery, req.query, 'query')
    requireOwner(caller, subscriberId, 'subscriberId')
    return { items: (await interactors.listSubscriptions(subscriberId)).map(presentSubscription) }
  })

  app.delete('/subscriptions/:subscriberId/:authorId', async (req, reply) => {
    const caller = await authenticateCaller(req)
    const { subscriberId, authorId } = parseInput(pairParams, req.params, 'params')
    requireOwner(caller, subscriberId, 'subscriberId')
    const result = await interactors.unsubscribe(subscriberId, authorId)
    if (!result.ok) throw toHttp(result.error)
    return reply.status(204).send()
  })

  app.get('/notifications', async req => {
    const caller = await authenticateCaller(req)
    const { subscriberId, limit, offset } = parseInput(notificationsQuery, req.query, 'query')
    requireOwner(caller, subscriberId, 'subscriberId')
    const page = await interactors.listNotifications(subscriberId, { limit, offset })
    return { ...page, items: page.items.map(presentNotification) }
  })
}
