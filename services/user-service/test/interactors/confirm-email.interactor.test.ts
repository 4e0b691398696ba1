import assert from 'node:assert/strict'
import { beforeEach, describe, it } from 'node:test'
import type { ConfirmationClaims } from '@ripple/kit'
import { ConfirmationUsedError, InvalidConfirmationError } from '../../src/entities/user.errors.ts'
import { makeConfirmEmail } from '../../src/interactors/confirm-email.interactor.ts'
import type { ConfirmEmail } from '../../src/interactors/confirm-email.interactor.ts'
import { fakeClock, seedUser } from '../fakes/fixtures.ts'
import { InMemoryUserRepository } from '../fakes/in-memory-user.repository.ts'

// Tokens here are the claims as JSON with a `jti` (its identity) and any padding (another spelling
// of the same token); a token that does not parse is "forged".
const confirmations = {
  verify: async (token: string) => {
    try {
      const { userId, email, jti } = JSON.parse(token) as ConfirmationClaims & { jti: string }
      return { userId, email, tokenId: jti }
    } catch { return undefined }
  }
}
const token = (claims: ConfirmationClaims, jti = 'jti-0', spelling = '') => JSON.stringify({ ...claims, jti, spelling })

describe('confirm-email', () => {
  let repo: InMemoryUserRepository
  let confirm: ConfirmEmail
  const clock = fakeClock('2024-06-01T12:00:00.000Z')
  const id = '11111111-1111-4111-8111-111111111111'

  beforeEach(async () => {
    repo = new InMemoryUserRepository()
    await seedUser(repo)
    confirm = makeConfirmEmail({ users: repo, confirmations, now: clock.now })
  })

  it('sets Confirmed for a token of the current address, once', async () => {
    const t = token({ userId: id, email: 'alice@example.com' })
    const result = await confirm(t)
    assert.ok(result.ok && result.value.status === 'Confirmed')
    assert.deepEqual(result.value.lastUpdated, new Date('2024-06-01T12:00:00.000Z'))
    const again = await confirm(t)
    assert.ok(!again.ok && again.error instanceof ConfirmationUsedError)
  })

  it('another spelling of a used token (same jti) is the same, used, token', async () => {
    assert.ok((await confirm(token({ userId: id, email: 'alice@example.com' }, 'jti-1', 'a'))).ok)
    const respelt = await confirm(token({ userId: id, email: 'alice@example.com' }, 'jti-1', 'b'))
    assert.ok(!respelt.ok && respelt.error instanceof ConfirmationUsedError)
    assert.equal(repo.spentTokens.size, 1)
  })

  it('refuses a forged token, one for another address, and one for a deleted user', async () => {
    for (const t of ['forged', token({ userId: id, email: 'old@example.com' }), token({ userId: '22222222-2222-4222-8222-222222222222', email: 'alice@example.com' })]) {
      const result = await confirm(t)
      assert.ok(!result.ok && result.error instanceof InvalidConfirmationError, t)
    }
    assert.equal((await repo.findById(id))?.status, 'Unconfirmed')
    assert.equal(repo.spentTokens.size, 0, 'a refused token is not spent')
  })

  it('a second link to an already confirmed address is spent but writes nothing', async () => {
    assert.ok((await confirm(token({ userId: id, email: 'alice@example.com' }, 'jti-1'))).ok)
    const writes = repo.writes
    assert.ok((await confirm(token({ userId: id, email: 'alice@example.com' }, 'jti-2'))).ok)
    assert.equal(repo.writes, writes)
  })
})
