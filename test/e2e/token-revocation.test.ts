// Issue 20 on the running stack: user-service alone signs access tokens (Ed25519); subscribe-service
// and post-service check them with its public key, and learn of password changes and deletions from
// cdc.table.userdata.users, so a revoked token is refused in every service within seconds.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { loadStackConfig } from '@ripple/stack'
import { adminToken, assertJsonError, callJson, forgedTokens, signIn } from '@ripple/testing'
import type { JsonAnswer } from '@ripple/testing'

const config = loadStackConfig()
const userService = `http://${config.host}:${config.ports.userService}`
const subscribeService = `http://${config.host}:${config.ports.subscribeService}`
const postService = `http://${config.host}:${config.ports.postService}`
// The bound: a revoked token is refused at every service within this long of the change.
const REVOCATION_BOUND_MS = 5000

async function signUp () {
  const run = randomBytes(4).toString('hex')
  const username = `revoke-${run}`
  const password = `pw-${run}-Secret!`
  const res = await callJson(`${userService}/users`, 'POST', { username, email: `${username}@example.test`, password })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return { id: res.body.id as string, username, password, token: await signIn(userService, { username }, password) }
}

/** One call per service that checks tokens, each acting for `userId` (the owner's own resources). */
const calls = {
  'user-service': (userId: string, token: string) => callJson(`${userService}/users/${userId}`, 'GET', undefined, { token }),
  'subscribe-service': (userId: string, token: string) => callJson(`${subscribeService}/subscriptions?subscriberId=${userId}`, 'GET', undefined, { token }),
  'post-service': (userId: string, token: string) => callJson(`${postService}/posts`, 'POST', { authorId: userId, title: 'revocation test', content: 'posted with a token' }, { token })
}
const accepted = { 'user-service': 200, 'subscribe-service': 200, 'post-service': 201 }

/** Calls until the answer is a 401, and answers it with the time it took; fails once `bound` is over. */
async function refusedWithin (call: () => Promise<JsonAnswer>, since: number, bound: number): Promise<{ res: JsonAnswer, afterMs: number }> {
  for (;;) {
    const res = await call()
    const afterMs = Date.now() - since
    if (res.status === 401) return { res, afterMs }
    assert.ok(afterMs < bound, `still ${res.status} ${afterMs} ms after the change: ${JSON.stringify(res.body)}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

describe('access tokens only user-service can mint, revoked everywhere', () => {
  it('a token signed with anything but user-service\'s private key is a 401 at every service that checks tokens', async () => {
    const user = await signUp()
    for (const [service, call] of Object.entries(calls)) {
      assert.equal((await call(user.id, user.token)).status, accepted[service as keyof typeof accepted], `${service} takes the signed-in token`)
      for (const [kind, token] of Object.entries(await forgedTokens(user.id))) {
        const res = await call(user.id, token)
        assertJsonError(res, 401, 'authorization')
        assert.equal(res.body.error, 'UNAUTHORIZED', `${service}, ${kind}`)
      }
    }
  })

  it('a token issued before a password change is a 401 TOKEN_REVOKED at every service within 5 s; a new sign-in works', async () => {
    const user = await signUp()
    // Signed in a moment before the change, and accepted everywhere just before it.
    for (const [service, call] of Object.entries(calls)) assert.equal((await call(user.id, user.token)).status, accepted[service as keyof typeof accepted], service)
    const newPassword = `${user.password}-new`
    const changed = await callJson(`${userService}/users/${user.id}`, 'PATCH', { password: newPassword, currentPassword: user.password }, { token: user.token })
    assert.equal(changed.status, 200, JSON.stringify(changed.body))
    const since = Date.now()
    const delays: Record<string, number> = {}
    await Promise.all(Object.entries(calls).map(async ([service, call]) => {
      const { res, afterMs } = await refusedWithin(() => call(user.id, user.token), since, REVOCATION_BOUND_MS)
      assertJsonError(res, 401, 'authorization')
      assert.equal(res.body.error, 'TOKEN_REVOKED', service)
      delays[service] = afterMs
    }))
    console.error(`token-revocation: password change refused after ${JSON.stringify(delays)} ms`)
    const fresh = await signIn(userService, { username: user.username }, newPassword)
    for (const [service, call] of Object.entries(calls)) assert.equal((await call(user.id, fresh)).status, accepted[service as keyof typeof accepted], `${service} takes a token signed after the change`)
  })

  it('a token of a deleted account is a 401 TOKEN_REVOKED at every service within 5 s', async () => {
    const user = await signUp()
    for (const [service, call] of Object.entries(calls)) assert.equal((await call(user.id, user.token)).status, accepted[service as keyof typeof accepted], service)
    assert.equal((await callJson(`${userService}/users/${user.id}`, 'DELETE', undefined, { token: user.token })).status, 204)
    const since = Date.now()
    await Promise.all(Object.entries(calls).map(async ([service, call]) => {
      const { res } = await refusedWithin(() => call(user.id, user.token), since, REVOCATION_BOUND_MS)
      assertJsonError(res, 401, 'authorization')
      assert.equal(res.body.error, 'TOKEN_REVOKED', service)
    }))
  })

  it('POST /posts: 401 without a token, 403 for another author, 201 for the owner and for an admin, each naming the reason', async () => {
    const [alice, bob] = [await signUp(), await signUp()]
    const body = (authorId: string) => ({ authorId, title: 'whose post', content: 'c' })
    const none = await callJson(`${postService}/posts`, 'POST', body(alice.id))
    assertJsonError(none, 401, 'authorization')
    assert.equal(none.body.error, 'UNAUTHORIZED')
    const other = await callJson(`${postService}/posts`, 'POST', body(alice.id), { token: bob.token })
    assertJsonError(other, 403, 'authorId')
    assert.equal(other.body.error, 'FORBIDDEN')
    const own = await callJson(`${postService}/posts`, 'POST', body(alice.id), { token: alice.token })
    assert.equal(own.status, 201, JSON.stringify(own.body))
    const asAdmin = await callJson(`${postService}/posts`, 'POST', body(bob.id), { token: await adminToken(userService) })
    assert.equal(asAdmin.status, 201, JSON.stringify(asAdmin.body))
    assert.equal(asAdmin.body.authorId, bob.id)
  })
})
