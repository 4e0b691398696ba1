// The layout check itself must be able to fail: it is run here on a made-up service.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { layoutProblems } from './service-layout.ts'

describe('layoutProblems', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ripple-layout-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  const write = (path: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true })
    writeFileSync(join(dir, path), '')
  }

  it('accepts the known layers and roles', () => {
    for (const f of ['app.ts', 'ports/mailer.port.ts', 'adapters/smtp-mailer.adapter.ts', 'entities/user.entity.ts', 'interactors/create-user.interactor.ts', 'transport/user.routes.ts']) write(f)
    assert.deepEqual(layoutProblems(dir), [])
  })

  it('names an unknown folder and a file of unknown role', () => {
    write('repositories/mailer.repository.ts')
    write('adapters/smtp.mailer.datasource.ts')
    const problems = layoutProblems(dir)
    assert.equal(problems.length, 2)
    assert.match(problems.join('\n'), /repositories: unknown folder/)
    assert.match(problems.join('\n'), /smtp\.mailer\.datasource\.ts/)
  })
})
