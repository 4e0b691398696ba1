import { connect, createServer } from 'node:net'
import type { Socket } from 'node:net'
import { createLogger } from '@ripple/kit'
import { runConsole } from '@ripple/console'
import { loadStackConfig } from '@ripple/stack'

// The web console in a container. It reads the stack's config, where every component shares one
// host; here each has its own, so each address it uses on 127.0.0.1 is forwarded to the
// component's host (RIPPLE_CONSOLE_FORWARD: "localPort=host:port,…"). The console itself listens
// on every interface of its container, for the published port or the Kubernetes Service.
const logger = createLogger('console', process.env.LOG_LEVEL ?? 'info')

function pipe (local: Socket, host: string, port: number): void {
  const remote = connect({ host, port })
  const close = () => { local.destroy(); remote.destroy() }
  local.on('error', close)
  remote.on('error', close)
  local.pipe(remote).pipe(local)
}

const forwards = (process.env.RIPPLE_CONSOLE_FORWARD ?? '').split(',').filter(Boolean).map(entry => {
  const match = /^(\d+)=([^:]+):(\d+)$/.exec(entry.trim())
  if (!match) throw new Error(`RIPPLE_CONSOLE_FORWARD entry "${entry}" is not localPort=host:port`)
  return { localPort: Number(match[1]), host: match[2]!, port: Number(match[3]) }
})
await Promise.all(forwards.map(f => new Promise<void>((resolve, reject) => {
  const server = createServer(socket => pipe(socket, f.host, f.port))
  server.once('error', reject)
  server.listen(f.localPort, '127.0.0.1', () => resolve())
})))

const config = loadStackConfig({ ...process.env, RIPPLE_HOST: '127.0.0.1' })
const url = await runConsole(config, process.env.RIPPLE_CONSOLE_LISTEN ?? '0.0.0.0', logger)
logger.info({ url, forwards }, 'console listening')
