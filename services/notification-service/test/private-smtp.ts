import { SMTPServer } from 'smtp-server'

export interface ReceivedMail { to: string[], messageId: string | undefined, raw: string }

/** What the server answers to a mail it received: take it (250), never answer, or reply with an error; a promise answers when it settles. */
export type Reply = 'accept' | 'hang' | { responseCode: number, message: string }

/**
 * An SMTP server of the test's own, on a free port, that it can stop and start again and make
 * misbehave; the shared capture of the stack is never touched. `received` holds every mail
 * whose DATA reached it, answered or not.
 */
export async function privateSmtp (reply: (mail: ReceivedMail, received: ReceivedMail[]) => Reply | Promise<Reply> = () => 'accept') {
  const received: ReceivedMail[] = []
  const make = () => new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 100,
    onData (stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8')
        const mail = { to: session.envelope.rcptTo.map(r => r.address), messageId: /^Message-ID:\s*(\S+)/mi.exec(raw)?.[1], raw }
        received.push(mail)
        void Promise.resolve(reply(mail, received)).then(answer => {
          if (answer === 'accept') callback()
          else if (answer !== 'hang') callback(Object.assign(new Error(answer.message), { responseCode: answer.responseCode }))
        })
      })
    }
  })
  let server = make()
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => {
      const address = server.server.address()
      resolve(typeof address === 'object' && address ? address.port : port)
    })
  })
  const port = await listen(0)
  let running = true
  return {
    port,
    received,
    /** Closes the port: connections are refused until start(). */
    async stop () {
      if (!running) return
      running = false
      await new Promise<void>(resolve => server.close(() => resolve()))
    },
    async start () {
      if (running) return
      server = make()
      await listen(port)
      running = true
    }
  }
}
