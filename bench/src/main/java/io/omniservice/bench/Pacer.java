package io.omniservice.bench;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Spreads requests evenly over a window for any number of client threads: ticket {@code n} is due
 * {@code n / rate} seconds after the start. A rate of 0 means no pacing (as fast as the clients go).
 */
final class Pacer {
    private final long start;
    private final long end;
    private final int rate;
    private final AtomicLong tickets = new AtomicLong();

    Pacer(long start, Duration window, int rate) {
        this.start = start;
        this.end = start + window.toNanos();
        this.rate = rate;
    }

    /** Parks until the next ticket is due and returns it, or -1 once the window has closed. */
    long awaitNext() {
        long ticket = tickets.getAndIncrement();
        long due = due(ticket);
        if (due >= end) {
            return -1;
        }
        long wait = due - System.nanoTime();
        if (wait > 0) {
            LockSupport.parkNanos(wait);
        }
        return System.nanoTime() >= end ? -1 : ticket;
    }

    /** When the ticket was due on the {@link System#nanoTime} clock. */
    long due(long ticket) {
        return rate > 0 ? start + ticket * 1_000_000_000L / rate : start;
    }

    long start() {
        return start;
    }
}
