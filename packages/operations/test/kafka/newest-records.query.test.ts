import assert from 'node:assert/strict'
import { test } from 'node:test'
import { keyMatches, newestRecords } from '../../src/kafka/newest-records.query.ts'

test('a key filter matches the key itself or a field of a JSON key, as Debezium writes them', () => {
  assert.equal(keyMatches('account-7', 'account-7'), true)
  assert.equal(keyMatches('account-70', 'account-7'), false)
  assert.equal(keyMatches('{"id":"u-1"}', 'u-1'), true)
  assert.equal(keyMatches('{"schema":{"type":"struct"},"payload":{"id":42}}', '42'), true)
  assert.equal(keyMatches('{"schema":{"type":"struct"},"payload":{"id":42}}', 'struct'), false, 'not the schema')
  assert.equal(keyMatches('{"id":"u-1"}', 'u-2'), false)
  assert.equal(keyMatches('{"id":"c0bf79ea6c614d7c9057b15f1425f41b"}', 'C0BF79EA-6C61-4D7C-9057-B15F1425F41B'), true, 'a UUID as the API shows it')
  assert.equal(keyMatches('{not json', 'x'), false)
  assert.equal(keyMatches(null, 'x'), false)
})

// Two partitions of 120 and 30 records, partition p's record o written at time 10·o + p: the
// newest-first order interleaves them.
const ends = [120n, 30n]
const fake = {
  reads: [] as [number, bigint, bigint][],
  async bounds () { return ends.map((end, partition) => ({ partition, start: 0n, end })) },
  async read (_topic: string, partition: number, from: bigint, to: bigint) {
    this.reads.push([partition, from, to])
    const out = []
    for (let o = from; o < to; o++) {
      out.push({ partition, offset: String(o), timestamp: new Date(Number(o) * 10 + partition).toISOString(), key: o % 10n === 0n ? 'tenth' : `k${o}`, headers: {}, value: `v${partition}-${o}` })
    }
    return out
  }
}

test('pages go newest first across partitions, each reading only the window it needs, until nothing older is left', async () => {
  const seen: string[] = []
  let before: Map<number, bigint> | undefined
  let pages = 0
  do {
    fake.reads = []
    const page = await newestRecords(fake, 't', { limit: 40, ...(before ? { before } : {}) })
    for (const [, from, to] of fake.reads) assert.ok(to - from <= 40n, 'a page reads at most its limit per partition')
    const times = page.records.map(r => r.timestamp)
    assert.deepEqual(times, [...times].sort().reverse(), 'newest first')
    seen.push(...page.records.map(r => `${r.partition}:${r.offset}`))
    before = page.next
    pages++
  } while (before && pages < 10)
  assert.equal(seen.length, 150, 'every record once')
  assert.equal(new Set(seen).size, 150)
  assert.equal(pages, 4)
})

test('a key filter looks a bounded window back and the next page goes on below it', async () => {
  const page = await newestRecords(fake, 't', { limit: 5, key: 'tenth', partition: 0 })
  assert.deepEqual(page.records.map(r => r.offset), ['110', '100', '90', '80', '70'])
  assert.equal(page.next?.get(0), 70n)
  const rest = await newestRecords(fake, 't', { limit: 50, key: 'tenth', partition: 0, before: page.next! })
  assert.deepEqual(rest.records.map(r => r.offset), ['60', '50', '40', '30', '20', '10', '0'])
  assert.equal(rest.next, undefined)
})
