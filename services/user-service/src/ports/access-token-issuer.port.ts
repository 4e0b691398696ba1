import type { Caller, IssuedToken } from '@ripple/kit'

/** Signs the access token a successful sign-in answers (the kit's createAccessTokens fills it). */
export interface AccessTokenIssuer {
  issue (caller: Caller): Promise<IssuedToken>
}
