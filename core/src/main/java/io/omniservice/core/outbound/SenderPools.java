package io.omniservice.core.outbound;

import java.util.List;
import java.util.function.Supplier;

/**
 * The number each send goes from: the request's {@code from}, else for an account with a sender pool the one
 * {@link SenderChoice} picks, else the account's own. The chosen sender is counted under way at
 * {@link SenderPacing} until {@link #done}, so that the next choice sees it as busy.
 */
public final class SenderPools {
    /** How many of a conversation's latest messages the sticky choice looks through. */
    public static final int HISTORY = 50;

    private final SenderPacing pacing;

    public SenderPools(SenderPacing pacing) {
        this.pacing = pacing;
    }

    /** A sender taken for one send, and why its number was chosen (null when the pool did not choose). */
    public record Taken(SenderPacing.Sender sender, String from, SenderChoice.Reason reason) {}

    /**
     * Takes the sender of one send over {@code route}, counted under way until {@link #done}.
     *
     * @param requested the request's {@code from}, or null
     * @param used our side of the recipient's conversation, newest first, read only when a pool chooses
     */
    public Taken take(CarrierRoute route, String to, String requested, Supplier<List<NumberUse>> used) {
        List<String> pool = route.sender().numbers();
        if (requested != null || pool.isEmpty()) {
            SenderPacing.Sender sender = pacing.senderOf(route, requested);
            pacing.underway(sender);
            return new Taken(sender, requested, null);
        }
        if (pool.size() == 1) {
            SenderPacing.Sender sender = pacing.senderOf(route, pool.getFirst());
            pacing.underway(sender);
            return new Taken(sender, pool.getFirst(), SenderChoice.Reason.LEAST_BUSY);
        }
        List<NumberUse> history = used.get();
        // choosing and counting in one step: two sends choosing at once do not both see the same number idle
        synchronized (this) {
            SenderChoice.Choice choice = SenderChoice.choose(
                    route.carrier(),
                    route.account(),
                    pool,
                    to,
                    history,
                    number -> pacing.load(pacing.senderOf(route, number)));
            SenderPacing.Sender sender = pacing.senderOf(route, choice.number());
            pacing.underway(sender);
            return new Taken(sender, choice.number(), choice.reason());
        }
    }

    /** {@code read} done at the first call only: a job's candidates share one read of its conversation. */
    static Supplier<List<NumberUse>> readOnce(Supplier<List<NumberUse>> read) {
        return new Supplier<>() {
            private List<NumberUse> uses;

            @Override
            public List<NumberUse> get() {
                if (uses == null) {
                    uses = read.get();
                }
                return uses;
            }
        };
    }

    /** The send that took {@code taken} ended. */
    public void done(Taken taken) {
        pacing.done(taken.sender());
    }

    /**
     * Whether {@code route} may send from {@code requested}: an account with a pool sends only from its own
     * numbers; one without takes any sender the request names, as the carrier will.
     */
    public static boolean mayUse(CarrierRoute route, String requested) {
        List<String> pool = route.sender().numbers();
        return requested == null || pool.isEmpty() || pool.contains(requested);
    }
}
