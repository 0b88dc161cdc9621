package io.omniservice.core.outbound;

import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.NormalizedMessage;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The words with which a customer opts out of or back into messages on a channel: the CTIA set that
 * US carriers and Twilio honour. A message counts only when it is the word alone (any case, trimmed,
 * trailing punctuation ignored): "stop" opts out, "please stop calling me" does not.
 */
public final class OptOutKeywords {
    public static final Set<String> OPT_OUT =
            Set.of("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE");
    public static final Set<String> OPT_IN = Set.of("START", "YES", "UNSTOP");

    private OptOutKeywords() {}

    /** What a message body asks for. */
    public enum Request {
        OPT_OUT,
        OPT_IN
    }

    /**
     * Whether a message's words can be a compliance keyword at all: only a customer's one-to-one message.
     * A STOP or HELP written in a group speaks to the group: it neither opts the member out nor gets an answer.
     */
    public static boolean applies(Direction direction, MessageMetadata metadata) {
        return direction == Direction.INBOUND && (metadata == null || metadata.group() == null);
    }

    /** The keyword a stored message is, if {@link #applies} to it. */
    public static Optional<Keyword> of(NormalizedMessage message) {
        return applies(message.direction(), message.metadata())
                ? of(message.content().body())
                : Optional.empty();
    }

    /** The keyword the body is, normalized, with what it asks; empty for any other body. */
    public static Optional<Keyword> of(String body) {
        if (body == null || body.length() > 20) {
            return Optional.empty();
        }
        String word = body.trim().replaceAll("[.!]+$", "").toUpperCase(Locale.ROOT);
        if (OPT_OUT.contains(word)) {
            return Optional.of(new Keyword(word, Request.OPT_OUT));
        }
        if (OPT_IN.contains(word)) {
            return Optional.of(new Keyword(word, Request.OPT_IN));
        }
        return Optional.empty();
    }

    public record Keyword(String word, Request request) {}
}
