import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { StackConfig } from '../config.ts'
import { endpoints } from '../config.ts'
import type { Component } from './component.ts'
import { handOver, dropsRoot } from './os-user.ts'
import { httpProbe, tcpProbe } from './probes.ts'

/** The SMTP server that captures every mail, with its HTTP listing API (packages/mail-capture). */
export function smtp (config: StackConfig): Component {
  const { mailApiUrl } = endpoints(config)
  const mailDir = join(config.paths.data, 'mail')
  const osUser = dropsRoot() ? 'ripple-smtp' : undefined
  return {
    name: 'smtp',
    dependsOn: [],
    address: () => `smtp://${config.host}:${config.ports.smtp} (mails: ${mailApiUrl}/mails)`,
    ports: () => [
      { port: config.ports.smtp, what: 'SMTP capture (RIPPLE_SMTP_PORT)' },
      { port: config.ports.mailApi, what: 'mail capture API (RIPPLE_MAIL_API_PORT)' }
    ],
    binaries: () => [],
    async prepare () {
      // Under a root `up` the capture runs as an account of its own, the only one that reads the captured mails.
      if (osUser) {
        await mkdir(mailDir, { recursive: true, mode: 0o700 })
        await handOver(osUser, [mailDir])
      }
    },
    process: () => ({
      command: process.execPath,
      args: ['--disable-warning=ExperimentalWarning', join(config.repoRoot, 'packages', 'mail-capture', 'src', 'main.ts')],
      cwd: join(config.repoRoot, 'packages', 'mail-capture'),
      env: {
        MAIL_CAPTURE_HOST: config.host,
        MAIL_CAPTURE_SMTP_PORT: String(config.ports.smtp),
        MAIL_CAPTURE_API_PORT: String(config.ports.mailApi),
        MAIL_CAPTURE_STORE: join(mailDir, 'mails.jsonl')
      },
      // Our own process, its mails on disk: restarting it after a crash loses nothing.
      stopTimeoutMs: 10_000,
      ...(osUser ? { user: osUser } : {})
    }),
    async health () {
      const smtpUp = await tcpProbe(config.host, config.ports.smtp)
      return smtpUp.healthy ? httpProbe(`${mailApiUrl}/health`) : smtpUp
    }
  }
}
