import assert from 'node:assert/strict'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { openToOthers, serviceOsUser } from '../../src/components/os-user.ts'

test('a file is open to other accounts only if it is readable by others and every folder above it is traversable', () => {
  const root = mkdtempSync(join(tmpdir(), 'ripple-os-user-'))
  try {
    const dir = join(root, 'checkout')
    mkdirSync(dir)
    const file = join(dir, 'package.json')
    writeFileSync(file, '{}')
    chmodSync(root, 0o755)
    chmodSync(dir, 0o755)
    chmodSync(file, 0o644)
    assert.equal(openToOthers(file), true)
    chmodSync(file, 0o600)
    assert.equal(openToOthers(file), false, 'a file others cannot read')
    chmodSync(file, 0o644)
    chmodSync(dir, 0o700)
    assert.equal(openToOthers(file), false, 'a folder others cannot enter (a clone under /root, umask 077)')
    assert.equal(openToOthers(join(dir, 'missing.json')), false)
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
})

test('each service gets an OS account named after it, within useradd\'s 32 characters', () => {
  assert.equal(serviceOsUser('user-service'), 'ripple-user-service')
  assert.ok(serviceOsUser('a-service-with-a-very-long-name-indeed').length <= 32)
})
