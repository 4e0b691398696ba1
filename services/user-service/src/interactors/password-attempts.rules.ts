import type { AttemptLimiter } from '../ports/attempt-limiter.port.ts'

/**
 * Where every password check of an account is counted, a sign-in's and a PATCH's
 * `currentPassword` alike, so a stolen access token cannot guess the password any faster than a
 * sign-in can. Per account and client: failures slow down the next attempt of that account from
 * that client (progressive delay), so a stranger elsewhere never shuts the owner out. Per client
 * address: a generous cap on failures across accounts, against one client guessing many names.
 */
export interface PasswordAttempts {
  /** Seconds to wait before this account may be tried from this client, or 0. */
  wait (accountKey: string | undefined, clientAddress: string): number
  failed (accountKey: string | undefined, clientAddress: string): void
  /** A right password forgets that account's failures from that client. */
  succeeded (accountKey: string | undefined, clientAddress: string): void
}

export function makePasswordAttempts ({ accounts, addresses }: { accounts: AttemptLimiter, addresses: AttemptLimiter }): PasswordAttempts {
  const addressKey = (clientAddress: string) => `address:${clientAddress}`
  const pairKey = (accountKey: string, clientAddress: string) => `${accountKey} from ${clientAddress}`
  return {
    wait: (accountKey, clientAddress) => Math.max(
      addresses.blockedFor(addressKey(clientAddress)),
      accountKey === undefined ? 0 : accounts.blockedFor(pairKey(accountKey, clientAddress))),
    failed (accountKey, clientAddress) {
      if (accountKey !== undefined) accounts.fail(pairKey(accountKey, clientAddress))
      addresses.fail(addressKey(clientAddress))
    },
    succeeded (accountKey, clientAddress) {
      if (accountKey !== undefined) accounts.reset(pairKey(accountKey, clientAddress))
    }
  }
}

/** The key an existing account's attempts are counted under, whichever name it was given by. */
export const accountKeyOf = (userId: string): string => `user:${userId}`
