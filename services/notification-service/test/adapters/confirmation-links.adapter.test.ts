import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createConfirmationTokens, loadConfig } from '@ripple/kit'
import { createConfirmationLinks } from '../../src/adapters/confirmation-links.adapter.ts'
import { notificationServiceConfigSchema } from '../../src/config.ts'

const SECRET = 'a-confirmation-secret-of-32-chars-at-least'

describe('createConfirmationLinks', () => {
  it('links to user-service\'s /users/confirm with a token that user-service\'s verify accepts, naming the user and the address', async () => {
    const config = loadConfig(notificationServiceConfigSchema, { CONFIRMATION_SECRET: SECRET, USER_SERVICE_URL: 'http://users.example.test:8085/' })
    const link = new URL(await createConfirmationLinks(config).linkFor({ userId: '0f3c1d2e-4b5a-6978-8796-a5b4c3d2e1f0', email: 'ann@example.test' }))
    assert.equal(`${link.origin}${link.pathname}`, 'http://users.example.test:8085/users/confirm')
    const token = link.searchParams.get('token')
    assert.ok(token)
    const verified = await createConfirmationTokens({ CONFIRMATION_SECRET: SECRET, CONFIRMATION_TTL_SECONDS: 60 }).verify(token)
    assert.deepEqual({ userId: verified?.userId, email: verified?.email }, { userId: '0f3c1d2e-4b5a-6978-8796-a5b4c3d2e1f0', email: 'ann@example.test' })
    assert.ok(verified?.tokenId, 'a jti to spend it by')
    assert.equal(await createConfirmationTokens({ CONFIRMATION_SECRET: `${SECRET}-other`, CONFIRMATION_TTL_SECONDS: 60 }).verify(token), undefined, 'another secret does not verify it')
  })

  it('keeps a path prefix of USER_SERVICE_URL', async () => {
    const links = createConfirmationLinks({ CONFIRMATION_SECRET: SECRET, CONFIRMATION_TTL_SECONDS: 60, USER_SERVICE_URL: 'https://example.test/api' })
    assert.match(await links.linkFor({ userId: 'u', email: 'a@x.test' }), /^https:\/\/example\.test\/api\/users\/confirm\?token=[\w-]+\.[\w-]+\.[\w-]+$/)
  })
})
