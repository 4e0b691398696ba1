import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['node_modules/', '.ripple/', '.stryker-tmp/', 'reports/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', fetch: 'readonly', URL: 'readonly', AbortSignal: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', Buffer: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }]
    }
  },
  {
    // The hexagon's dependency rule: a service's code reaches other code only through @ripple/kit
    // and @ripple/contracts (its tests may also use @ripple/testing); entities import only
    // @ripple/kit/domain; interactors never touch adapters or transports.
    files: ['services/*/src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['../../*/src/*', '../../../services/*', '@ripple/stack', '@ripple/stack/*', '@ripple/testing', '@ripple/mail-capture'], message: 'Services import only @ripple/kit, @ripple/contracts and their own code.' }
      ] }]
    }
  },
  {
    files: ['services/*/src/entities/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ regex: '^(?!@ripple/kit/domain$|[.]/).*', message: 'Entities import only @ripple/kit/domain and other entities.' }] }] }
  },
  {
    files: ['services/*/src/interactors/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/adapters/*', '**/transport/*', 'mysql2*', 'pg', 'fastify', '@platformatic/kafka', 'nodemailer'], message: 'Interactors depend on entities and ports only.' }] }] }
  }
)
