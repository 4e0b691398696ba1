import assert from 'node:assert/strict'
import { createServer } from 'node:net'
import { test } from 'node:test'
import type { Component } from '../src/components/component.ts'
import { loadStackConfig } from '../src/config.ts'
import { StackError } from '../src/errors.ts'
import { ensurePortsFree, portFree } from '../src/prerequisites.ts'

test('a busy port stops start-up with one sentence naming the port and its variable', async () => {
  const blocker = createServer()
  await new Promise<void>(resolve => blocker.listen(0, '127.0.0.1', resolve))
  const port = (blocker.address() as { port: number }).port
  try {
    assert.equal(await portFree('127.0.0.1', port), false)
    const component = { name: 'mariadb', ports: () => [{ port, what: 'MariaDB (RIPPLE_MARIADB_PORT)' }] } as unknown as Component
    await assert.rejects(ensurePortsFree(loadStackConfig({}), [component]), (err: unknown) => {
      assert.ok(err instanceof StackError)
      assert.equal(err.code, 'PORT_BUSY')
      assert.match(err.message, new RegExp(`Port ${port} .*MariaDB.*RIPPLE_MARIADB_PORT`))
      assert.equal(err.message.split('. ').length, 1, 'one sentence')
      return true
    })
  } finally {
    blocker.close()
  }
  assert.equal(await portFree('127.0.0.1', port), true)
})
