import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { identityKey } from '../../src/entities/user.entity.ts'

describe('identityKey: the uniqueness rule of usernames and emails', () => {
  it('ignores case only', () => {
    assert.equal(identityKey('Alice'), identityKey('alice'))
    assert.equal(identityKey('ALICE@Example.COM'), identityKey('alice@example.com'))
    assert.equal(identityKey('Straße'), identityKey('STRASSE'))
    assert.equal(identityKey('ΣΊΣΥΦΟΣ'), identityKey('σίσυφος'))
  })

  it('counts every other difference, outside the BMP too', () => {
    const distinct = ['😀_x', '😁_x', '🐶_x', '𝔸_x', 'A_x', 'é_x', 'e_x', 'a\u00ADb', 'ab', 'a\u200Db', 'a b']
    assert.equal(new Set(distinct.map(identityKey)).size, distinct.length)
  })

  it('is the same for canonically equivalent input (NFC)', () => {
    assert.equal(identityKey('e\u0301'), identityKey('\u00e9'))
    assert.equal(identityKey('E\u0301'), identityKey('\u00e9'))
  })
})
