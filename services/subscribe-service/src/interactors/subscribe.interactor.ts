import type { Subscription } from '../entities/subscription.entity.ts'
import { InvalidSubscriptionError, SubscriptionNotFoundError } from '../entities/subscription.errors.ts'
import { err, ok } from '@ripple/kit/domain'
import type { Result } from '@ripple/kit/domain'
import type { SubscriptionRepository } from '../ports/subscription-repository.port.ts'
import type { WebhookAddressPolicy } from '../ports/webhook-address.port.ts'

export interface SubscribeInput { subscriberId: string, authorId: string, webhookUrl: string | null }
/** `webhookSecret`: the new subscription's signing secret, to be shown to the subscriber this once (null without a webhook). */
export type Subscribe = (input: SubscribeInput) => Promise<Result<{ subscription: Subscription, created: boolean, webhookSecret: string | null }, InvalidSubscriptionError>>
export type Unsubscribe = (subscriberId: string, authorId: string) => Promise<Result<void, SubscriptionNotFoundError>>
export type ListSubscriptions = (subscriberId: string) => Promise<Subscription[]>

/**
 * Subscribing again is not an error: it keeps the subscription and sets the webhook given now. A
 * webhook must go to a public address (the policy resolves its host); the address is checked again
 * at every delivery, since what a name resolves to can change. Each subscribe with a webhook makes
 * a new signing secret (subscribing again rotates it), answered this once and never listed.
 */
export function makeSubscribe ({ subscriptions, webhooks, newSecret }: { subscriptions: SubscriptionRepository, webhooks: WebhookAddressPolicy, newSecret: () => string }): Subscribe {
  return async input => {
    if (input.subscriberId === input.authorId) return err(new InvalidSubscriptionError('authorId', 'a subscriber cannot follow themselves'))
    if (input.webhookUrl !== null) {
      const refusal = await webhooks.refusal(input.webhookUrl)
      if (refusal !== undefined) return err(new InvalidSubscriptionError('webhookUrl', refusal))
    }
    const webhookSecret = input.webhookUrl === null ? null : newSecret()
    return ok({ ...await subscriptions.upsert({ ...input, webhookSecret }), webhookSecret })
  }
}

export function makeUnsubscribe ({ subscriptions }: { subscriptions: SubscriptionRepository }): Unsubscribe {
  return async (subscriberId, authorId) =>
    (await subscriptions.delete(subscriberId, authorId)) ? ok(undefined) : err(new SubscriptionNotFoundError(subscriberId, authorId))
}

export function makeListSubscriptions ({ subscriptions }: { subscriptions: SubscriptionRepository }): ListSubscriptions {
  return subscriberId => subscriptions.listBySubscriber(subscriberId)
}
