import { consumerTuning, defineService } from '@ripple/kit'
import client from 'prom-client'
import type { NotificationConfig } from './config.ts'
import { createConfirmationLinks } from './adapters/confirmation-links.adapter.ts'
import { createPgSentMailLog } from './adapters/pg-sent-mail-log.adapter.ts'
import { createSmtpMailer } from './adapters/smtp-mailer.adapter.ts'
import { makeNotifyUserChange } from './interactors/notify-user-change.interactor.ts'
import { createUserChangeHandler } from './transport/user-change.handler.ts'

/** cdc.table.userdata.users in, a mail per change out; the inbox and the sent-mail log in its own PostgreSQL database. */
export const createNotificationService = defineService<NotificationConfig>('notification-service', async ({ config, logger, metrics, consume, postgres, probe, onClose }) => {
  const resent = new client.Counter({ name: 'ripple_mail_resent_total', help: 'Mails sent again, with the same Message-ID, because an earlier attempt may have sent them (a crash or a broken session before the confirmation)', labelNames: ['kind'], registers: [metrics.registry] })
  const failures = new client.Counter({ name: 'ripple_mail_send_failures_total', help: 'Sends the mail server did not confirm, by code: SMTP_UNAVAILABLE and SMTP_IN_DOUBT are retried, SMTP_REJECTED dead-lettered', labelNames: ['code'], registers: [metrics.registry] })
  const sentMails = await createPgSentMailLog(await postgres({ database: config.POSTGRES_DATABASE }))
  const mailer = createSmtpMailer({ host: config.SMTP_HOST, port: config.SMTP_PORT, from: config.MAIL_FROM, maxConnections: config.SMTP_POOL_SIZE, socketTimeoutMs: config.SMTP_SOCKET_TIMEOUT_MS, onFailure: error => failures.inc({ code: error.code }) })
  onClose(() => mailer.close())
  // Learnt from the sends themselves: a probe of its own would open an SMTP session every few seconds.
  probe('smtp', async () => {
    const outage = mailer.outage()
    if (outage) throw new Error(`the last send failed: ${outage}`)
  })
  await consume({
    groupId: config.GROUP_ID,
    topics: [config.TOPIC],
    handler: createUserChangeHandler({ notify: makeNotifyUserChange({ mailer, sentMails, links: createConfirmationLinks(config), onResent: mail => resent.inc({ kind: mail.kind }) }), logger }),
    ...consumerTuning(config),
    concurrencyPerPartition: config.CONCURRENCY_PER_PARTITION
  })
})
