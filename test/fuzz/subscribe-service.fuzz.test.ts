// Fuzz: subscribe-service in-process on a topic, group and PostgreSQL database of its own, 1,000
// generated requests with no token, forged ones, another user's and the subscriber's own.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { deleteTopics, dropPostgresDatabase, testAccessToken, testConfig, unique } from '@ripple/testing'
import { createSubscribeService } from '@ripple/subscribe-service'
import type { SubscribeService } from '@ripple/subscribe-service'
import { subscribeServiceConfigSchema } from '@ripple/subscribe-service/config'
import { answerJson, assertHealthy, assertNoFailures, fuzz, pathOf, fuzzString, idSegment, readJson, requests, sentJson } from './fuzz.support.ts'
import type { FuzzAnswer, FuzzRequest, FuzzTokens, RouteSpec } from './fuzz.support.ts'

describe('subscribe-service under fuzzed requests', () => {
  const scope = { topic: unique('test.fuzz.subscribe.'), groupId: unique('test-fuzz-subscribe-'), database: unique('test_fuzz_subscribe_') }
  const subscriber = randomUUID()
  let service: SubscribeService
  let base: string
  const tokens: FuzzTokens = {}

  before(async () => {
    service = createSubscribeService(testConfig(subscribeServiceConfigSchema, {
      TOPIC: scope.topic, GROUP_ID: scope.groupId, POSTGRES_DATABASE: scope.database, WEBHOOK_TIMEOUT_MS: '1000', WEBHOOK_MAX_ATTEMPTS: '1',
      // The stack's user changes, in a group of its own (never the stack's subscribe-service.revocations).
      REVOCATION_GROUP_ID: `${scope.groupId}.revocations`
    }))
    base = (await service.start()).url
    tokens.valid = await testAccessToken(subscriber)
    tokens.other = await testAccessToken(randomUUID())
  })
  after(async () => {
    await service.stop()
    await deleteTopics([scope.topic, `${scope.topic}.dlq`])
    await dropPostgresDatabase(scope.database)
  })

  it('answers every request with a 2xx or a JSON 4xx, and stays healthy', async t => {
    const userId = fc.oneof(
      { weight: 4, arbitrary: fc.constant(subscriber) },
      { weight: 2, arbitrary: fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9._:@-]{1,64}$/)) },
      { weight: 1, arbitrary: fc.constantFrom('a'.repeat(65), ' x ', 'x y', subscriber.toUpperCase(), `${subscriber}\u0000`) }
    )
    const webhookUrl = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.ipV4().map(ip => `http://${ip}/hook`),
      fc.ipV6().map(ip => `https://[${ip}]/hook`),
      fc.domain().map(d => `https://${d}/hook`),
      fc.constantFrom(
        'http://127.0.0.1:9090/-/quit', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.1/', 'http://192.168.1.1/', 'http://[::1]/', 'http://localhost:8080/',
        'http://0.0.0.0/', 'http://0x7f000001/', 'http://2130706433/', 'http://127.1/', 'http://[::ffff:127.0.0.1]/', 'http://[fe80::1]/', 'http://224.0.0.1/',
        'https://93.184.215.14/hook', 'https://hooks.invalid/x', 'ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'http://user:pass@93.184.215.14/',
        'http://93.184.215.14:0/', 'http://93.184.215.14:65536/', 'https://example.com/' + 'a'.repeat(3000), 'http://exa mple.com/', 'https://ex\u0000ample.com/', 'https://😀.com/'
      ),
      fuzzString
    )
    const idOf = (valid: fc.Arbitrary<string>) => idSegment([valid])
    const routes: RouteSpec[] = [
      { name: 'POST /subscriptions', method: 'POST', path: pathOf('/subscriptions', '/subscriptions/'), auth: true, body: fc.record({ subscriberId: userId, authorId: userId, webhookUrl: fc.option(webhookUrl) }, { requiredKeys: ['subscriberId', 'authorId'] }), weight: 6 },
      { name: 'GET /subscriptions', method: 'GET', path: fc.constant('/subscriptions'), auth: true, query: { subscriberId: userId } },
      { name: 'DELETE /subscriptions/:subscriberId/:authorId', method: 'DELETE', path: fc.tuple(idOf(userId), idOf(userId)).map(([s, a]) => `/subscriptions/${s}/${a}`), auth: true },
      {
        name: 'GET /notifications',
        method: 'GET',
        path: fc.constant('/notifications'),
        auth: true,
        query: { subscriberId: userId, limit: fc.oneof(fc.integer({ min: -5, max: 2000 }).map(String), fc.constantFrom('1e3', '-0', '1.5', 'NaN', '', '99999999999999999999')), offset: fc.oneof(fc.nat().map(String), fc.constantFrom('-1', '1e400', '0x10', '9007199254740993')) }
      },
      { name: 'GET /health|/metrics', method: 'GET', path: fc.constantFrom('/health', '/metrics'), weight: 1 }
    ]
    // A subscription reads back from the subscriber's list as answered (never with its secret), with
    // the ids and webhook as sent; a deleted one is gone from it.
    const listOf = async (subscriberId: string) => {
      const listed = await readJson(base, `/subscriptions?subscriberId=${encodeURIComponent(subscriberId)}`, await testAccessToken(subscriberId))
      assert.equal(listed.status, 200, JSON.stringify(listed.body))
      return (listed.body as { items: Array<{ subscriberId: string, authorId: string, webhookUrl: string | null, createdAt: string }> }).items
    }
    const readBack = async (r: FuzzRequest, answer: FuzzAnswer) => {
      if (r.method === 'DELETE') {
        const [subscriberId, authorId] = r.path.split('?')[0]!.split('/').slice(2).map(decodeURIComponent) as [string, string]
        assert.ok(!(await listOf(subscriberId.trim())).some(x => x.authorId === authorId.trim()), 'deleted, yet still listed')
        return
      }
      const { webhookSecret, ...subscription } = answerJson(answer) as { subscriberId: string, authorId: string, webhookUrl: string | null, createdAt: string, webhookSecret: string | null }
      const sent = sentJson(r) as { subscriberId: string, authorId: string, webhookUrl?: string | null }
      assert.deepEqual([subscription.subscriberId, subscription.authorId], [sent.subscriberId.trim(), sent.authorId.trim()], 'stored as sent')
      assert.equal(subscription.webhookUrl, sent.webhookUrl ?? null)
      assert.equal(webhookSecret === null, subscription.webhookUrl === null, 'a secret exactly with a webhook')
      assert.deepEqual((await listOf(subscription.subscriberId)).find(x => x.authorId === subscription.authorId), subscription)
    }
    const report = await fuzz({ name: 'subscribe-service', base, arbitrary: requests(routes, tokens), readBack, log: line => t.diagnostic(line) })
    await assertHealthy(base)
    assertNoFailures(report)
  })
})
