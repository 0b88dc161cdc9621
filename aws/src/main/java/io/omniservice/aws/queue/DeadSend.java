package io.omniservice.aws.queue;

import java.time.Instant;

/**
 * A send that SQS moved to the dead-letter queue because it was received {@code maxReceiveCount} times and
 * never finished: the nodes that took it died or stalled before storing an outcome.
 *
 * @param id SQS's message id, which {@link SendQueue#replay} takes
 * @param ticket the send, or null when the message is not a ticket of ours (someone put it in by hand)
 * @param receiveCount SQS's count of receives: those in the send queue, plus each read of the dead-letter
 *     list (SQS cannot show a message without receiving it)
 * @param sentAt when the ticket was enqueued
 */
public record DeadSend(String id, SendTicket ticket, int receiveCount, Instant sentAt) {}
