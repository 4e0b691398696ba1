import { createConfirmationTokens } from '@ripple/kit'
import type { ConfirmationTokenConfig } from '@ripple/kit'
import type { ConfirmationLinks } from '../ports/confirmation-links.port.ts'

/**
 * Links to user-service's `GET /users/confirm?token=…`, the token a signed, expiring JWT naming
 * the user and the address (the kit's confirmation tokens, shared secret CONFIRMATION_SECRET).
 */
export function createConfirmationLinks (config: ConfirmationTokenConfig & { USER_SERVICE_URL: string }): ConfirmationLinks {
  const tokens = createConfirmationTokens(config)
  const confirmUrl = new URL(`${config.USER_SERVICE_URL.replace(/\/+$/, '')}/users/confirm`)
  return {
    async linkFor ({ userId, email }) {
      const url = new URL(confirmUrl)
      url.searchParams.set('token', await tokens.mint({ userId, email }))
      return url.toString()
    }
  }
}
