import { execa } from 'execa'
import { serviceEnv } from '../components/service.ts'
import type { StackConfig } from '../config.ts'
import { down, status, up } from '../stack.ts'

/** Where test files live: each workspace's test/ folder mirrors its src/, plus the end-to-end suite in test/. */
export const TEST_GLOBS = [
  'packages/*/test/**/*.test.ts',
  'stack/test/**/*.test.ts',
  'services/*/test/**/*.test.ts',
  'test/**/*.test.ts'
]

export interface TestOptions {
  static: boolean
  keep: boolean
  files: string[]
}

/**
 * The one test command: lint and types, then every test file against a real stack. A stack it
 * had to start is stopped again afterwards (unless --keep), so CI leaves nothing running.
 */
export async function runTests (config: StackConfig, options: TestOptions, log: (line: string) => void): Promise<number> {
  const node = process.execPath
  // Tests that start a service in-process read the same settings the stack gives its services.
  const run = (args: string[]) => execa(node, args, { cwd: config.repoRoot, stdio: 'inherit', reject: false, env: serviceEnv(config) })
  if (options.static) {
    log('lint (eslint) and types (tsc --noEmit)')
    const lint = await run(['node_modules/eslint/bin/eslint.js', '.'])
    if (lint.exitCode !== 0) return lint.exitCode ?? 1
    const types = await run(['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.json'])
    if (types.exitCode !== 0) return types.exitCode ?? 1
  }

  const before = await status(config)
  const wasRunning = before.some(c => c.pid !== null)
  try {
    const rows = await up(config, log)
    log(`stack healthy: ${rows.map(r => r.name).join(', ')}`)
    // One file at a time: integration suites share one broker and restart components.
    const result = await run([
      '--disable-warning=ExperimentalWarning', '--test', '--test-concurrency=1',
      '--test-timeout=600000',
      ...(options.files.length > 0 ? options.files : TEST_GLOBS)
    ])
    return result.exitCode ?? 1
  } finally {
    if (!wasRunning && !options.keep) {
      log('stopping the stack this test run started (--keep leaves it up)')
      await down(config, { purge: false }, log)
    }
  }
}
