package io.omniservice.core.store.plan;

import io.omniservice.core.outbound.OptOutKeywords;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What new messages change in their senders' standing: a customer's one-to-one message that is an opt-out
 * word opts them out of the channel it came on, an opt-in word opts them back in. Recorded in the commit that
 * stores the message, so a STOP is in force before its webhook is answered.
 */
public final class OptOutChanges {
    private OptOutChanges() {}

    /**
     * The participant's standing on a channel from now on: opted out with {@code keyword} at {@code at}, or,
     * when {@code keyword} is null, opted in (no opt-out kept).
     */
    public record Change(String participant, String channel, String keyword, Instant at) {
        public boolean optedOut() {
            return keyword != null;
        }
    }

    /**
     * The changes newly stored messages make, one per participant and channel: of several keywords in one
     * commit, the last message's stands.
     */
    public static List<Change> of(List<PlacedMessage> stored) {
        Map<List<String>, Change> last = new LinkedHashMap<>();
        for (PlacedMessage m : stored) {
            OptOutKeywords.of(m.message()).ifPresent(keyword -> {
                String channel = m.carrier().channel();
                Change change = new Change(
                        m.participant(),
                        channel,
                        keyword.request() == OptOutKeywords.Request.OPT_OUT ? keyword.word() : null,
                        m.createdAt());
                List<String> key = List.of(m.participant(), channel);
                last.remove(key);
                last.put(key, change);
            });
        }
        return List.copyOf(last.values());
    }
}
