import { fileURLToPath } from 'node:url'
import type { StackConfig } from '../config.ts'
import { endpoints } from '../config.ts'
import type { Component } from './component.ts'
import { httpProbe, tcpProbe } from './probes.ts'

/** The SMTP server that captures every mail, with its HTTP listing API. */
export function smtp (config: StackConfig): Component {
  const { mailApiUrl } = endpoints(config)
  return {
    name: 'smtp',
    dependsOn: [],
    address: () => `smtp://${config.host}:${config.ports.smtp} (mails: ${mailApiUrl}/mails)`,
    ports: () => [
      { port: config.ports.smtp, what: 'SMTP capture (RIPPLE_SMTP_PORT)' },
      { port: config.ports.mailApi, what: 'mail capture API (RIPPLE_MAIL_API_PORT)' }
    ],
    binaries: () => [],
    async prepare () {},
    process: () => ({
      command: process.execPath,
      args: ['--disable-warning=ExperimentalWarning', fileURLToPath(new URL('../mail-capture/main.ts', import.meta.url))],
      stopTimeoutMs: 10_000
    }),
    async health () {
      const smtpUp = await tcpProbe(config.host, config.ports.smtp)
      return smtpUp.healthy ? httpProbe(`${mailApiUrl}/health`) : smtpUp
    }
  }
}
