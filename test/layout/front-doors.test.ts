// Workspaces meet only through package exports; the check must also catch a back door in a made-up tree.
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, it } from 'node:test'
import { backDoorImports } from './front-doors.ts'

const repoRoot = join(import.meta.dirname, '..', '..')

describe('front doors', () => {
  it('no workspace imports another workspace by a relative path', () => {
    assert.deepEqual(backDoorImports(repoRoot), [])
  })

  describe('backDoorImports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ripple-front-doors-'))
    after(() => rmSync(dir, { recursive: true, force: true }))
    const write = (path: string, text: string) => {
      mkdirSync(join(dir, path, '..'), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    write('package.json', JSON.stringify({ workspaces: ['packages/*', 'deploy'] }))
    write('packages/stack/src/config.ts', 'export const a = 1\n')
    write('packages/stack/src/index.ts', "export { a } from './config.ts'\n")

    it('accepts imports inside a workspace and by package name', () => {
      write('deploy/src/ok.ts', "import { a } from '@ripple/other'\nimport { b } from './b.ts'\n")
      assert.deepEqual(backDoorImports(dir), [])
    })

    it('names each relative import into another workspace, with its line', () => {
      write('deploy/src/bad.ts', "import { x } from './x.ts'\nimport type { a } from '../../packages/stack/src/config.ts'\nconst m = await import('../../packages/stack/src/index.ts')\n")
      assert.deepEqual(backDoorImports(dir), [
        'deploy/src/bad.ts:2 → packages/stack/src/config.ts',
        'deploy/src/bad.ts:3 → packages/stack/src/index.ts'
      ])
    })
  })
})
