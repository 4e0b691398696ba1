// The outbox's records (seed 004): headers and the PostCreated payload on outbox.event.post.
