package io.omniservice.aws.queue;

import java.time.Instant;

/**
 * A send this node received and holds until {@code leaseUntil}: finish it ({@link SendQueue#done}), put it
 * off ({@link SendQueue#later}) or give it back ({@link SendQueue#release}) before then, or another node
 * receives it.
 *
 * @param receiveCount how often SQS has handed this send out, this time included; at the queue's
 *     {@code maxReceiveCount} a send that is not finished moves to the dead-letter queue
 */
public record LeasedSend(SendTicket ticket, Receipt receipt, int receiveCount, Instant leaseUntil) {}
