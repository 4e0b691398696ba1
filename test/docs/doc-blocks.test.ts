// The extraction and the expectation check docs.test.ts relies on, without a stack.
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { documentationBlocks, parseExpectation, shellBlocks, unmetExpectations } from './doc-blocks.ts'

const md = [
  '# Title',
  '```sh',
  'echo one   # → one',
  '# → /t.o/',
  'echo "a # → b"',
  '```',
  '```console',
  '$ ./ripple down   # → never',
  '```',
  '````sh',
  '```',
  'echo nested',
  '````',
  '```text',
  'echo not run',
  '```'
].join('\n')

describe('shellBlocks', () => {
  const blocks = shellBlocks(md, 'x.md')

  it('takes only the blocks fenced sh, with their first line and source', () => {
    assert.deepEqual(blocks.map(b => [b.line, b.source]), [
      [2, 'echo one   # → one\n# → /t.o/\necho "a # → b"'],
      [10, '```\necho nested']
    ])
  })

  it('reads the expectations at a line end or on a line of their own, with their lines', () => {
    assert.deepEqual(blocks[0]!.expectations.map(e => [e.line, e.text]), [[3, 'one'], [4, '/t.o/'], [5, 'b"']])
    assert.deepEqual(blocks[1]!.expectations, [])
  })

  it('refuses a block that is never closed', () => {
    assert.throws(() => shellBlocks('```sh\necho', 'y.md'), /y\.md:1: a fenced block is never closed/)
  })
})

describe('expectations', () => {
  const exp = (...texts: string[]) => texts.map((text, i) => ({ line: i + 1, text, matcher: parseExpectation(text) }))

  it('are literal text, or a regular expression between slashes', () => {
    assert.equal(parseExpectation('201'), '201')
    assert.deepEqual(parseExpectation('/^HTTP\\/1\\.1 20[0-9]/m'), /^HTTP\/1\.1 20[0-9]/m)
  })

  it('must all be met, in the order written', () => {
    assert.deepEqual(unmetExpectations('201\n{"status":"finish"}\n', exp('201', 'finish')), [])
    assert.deepEqual(unmetExpectations('finish\n201\n', exp('201', 'finish')).map(e => e.text), ['finish'])
    assert.deepEqual(unmetExpectations('transfer reversal', exp('/trans\\w+/', '/rev/')), [])
    assert.deepEqual(unmetExpectations('nothing', exp('/\\d+/')).map(e => e.text), ['/\\d+/'])
  })
})

describe('the repository documentation', () => {
  const blocks = documentationBlocks(new URL('../..', import.meta.url).pathname)

  it('has runnable examples, and none needs jq or an outside host', () => {
    assert.ok(blocks.length >= 5, `${blocks.length} sh blocks`)
    for (const b of blocks) {
      assert.doesNotMatch(b.source, /\bjq\b/, `${b.file}:${b.line} uses jq, which ./ripple up does not install: use node -e`)
      assert.doesNotMatch(b.source, /example\.com\/|https?:\/\/(?!127\.0\.0\.1|localhost)[a-z]/, `${b.file}:${b.line} reaches outside this machine`)
    }
  })

  it('runs no command there that stops, resizes or tests the stack it runs on, nor Docker or Kubernetes', () => {
    for (const b of blocks) {
      assert.doesNotMatch(b.source, /\.\/ripple (down|up|test|stop|bench)\b/, `${b.file}:${b.line}: fence it as console`)
      assert.doesNotMatch(b.source, /^\s*(docker|kubectl)\b/m, `${b.file}:${b.line}: fence it as console`)
    }
  })
})
