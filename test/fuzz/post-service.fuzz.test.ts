// Fuzz: post-service in-process on a scratch MariaDB database (not the one the outbox connector captures), 1,000 generated requests.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { randomUUID } from 'node:crypto'
import { callJson, dropMariaDbDatabase, testAccessToken, testAdminToken, testConfig, unique } from '@ripple/testing'
import { createPostService } from '@ripple/post-service'
import type { PostService } from '@ripple/post-service'
import { postServiceConfigSchema } from '@ripple/post-service/config'
import { answerJson, assertHealthy, assertNoFailures, fuzz, pathOf, fuzzString, idSegment, readJson, requests, sentJson } from './fuzz.support.ts'
import type { FuzzAnswer, FuzzRequest, FuzzTokens, RouteSpec } from './fuzz.support.ts'

describe('post-service under fuzzed requests', () => {
  const database = unique('test_fuzz_post_')
  let service: PostService
  let base: string
  let postId: number
  // The author the requests' own token names; other authorIds are 403 for it and 2xx for the admin.
  const author = 'fuzz-author'
  const tokens: FuzzTokens = {}

  before(async () => {
    // OUTBOX_RELAY=cdc on a database the connector does not read: the outbox rows go nowhere. Its
    // revocation consumer reads the stack's user changes in a group of its own.
    service = createPostService(testConfig(postServiceConfigSchema, { MARIADB_DATABASE: database, OUTBOX_RELAY: 'cdc', REVOCATION_GROUP_ID: unique('test-fuzz-post-revocations-') }))
    base = (await service.start()).url
    tokens.valid = await testAccessToken(author)
    tokens.admin = await testAdminToken()
    tokens.other = await testAccessToken(randomUUID())
    const created = await callJson(`${base}/posts`, 'POST', { authorId: author, title: 'A post to read', content: 'Content' }, { token: tokens.valid })
    assert.equal(created.status, 201, JSON.stringify(created.body))
    postId = created.body.id
  })
  after(async () => {
    await service.stop()
    await dropMariaDbDatabase(database)
  })

  const authorId = fc.oneof({ weight: 3, arbitrary: fc.constant(author) }, fc.stringMatching(/^[A-Za-z0-9._:@-]{1,64}$/), fc.uuid(), fc.constantFrom('alice', 'a'.repeat(64), 'a'.repeat(65), ' alice ', 'al ice', 'ålice'))
  const text = (max: number) => fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 50 }), fuzzString, fc.constantFrom('x'.repeat(max), 'x'.repeat(max + 1), '😀'.repeat(max / 2), '😀'.repeat(max / 2 + 1), 'e\u0301'.repeat(max / 2)))

  it('answers every request with a 2xx or a JSON 4xx, and stays healthy', async t => {
    const routes: RouteSpec[] = [
      { name: 'POST /posts', method: 'POST', path: pathOf('/posts', '/posts/', '/posts//', '/Posts'), body: fc.record({ authorId, title: text(255), content: text(10_000) }), auth: true, weight: 6 },
      {
        name: 'GET /posts/:id',
        method: 'GET',
        path: idSegment([fc.constant(String(postId)), fc.integer({ min: 1, max: 1000 }).map(String), fc.constantFrom('0', '-1', '1.5', '1e3', '0x10', '9007199254740991', '9007199254740992', '99999999999999999999', ' 1', '+1', '1_0', 'Infinity', 'NaN')]).map(id => `/posts/${id}`)
      },
      { name: 'GET /health|/metrics|/posts', method: 'GET', path: fc.constantFrom('/health', '/metrics', '/posts'), weight: 1 }
    ]
    // A created post reads back as answered, with the author and title as sent (trimmed) and the content as sent.
    const readBack = async (r: FuzzRequest, answer: FuzzAnswer) => {
      const post = answerJson(answer) as { id: number, authorId: string, title: string, content: string }
      const sent = sentJson(r) as { authorId: string, title: string, content: string }
      const stored = await readJson(base, `/posts/${post.id}`)
      assert.deepEqual(stored, { status: 200, body: post }, 'GET /posts/:id shows the post as answered')
      assert.deepEqual([post.authorId, post.title, post.content], [sent.authorId.trim(), sent.title.trim(), sent.content], 'stored as sent')
    }
    const report = await fuzz({ name: 'post-service', base, arbitrary: requests(routes, tokens), readBack, log: line => t.diagnostic(line) })
    await assertHealthy(base)
    assertNoFailures(report)
  })
})
