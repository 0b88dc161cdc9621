package io.omniservice.core.rules;

import java.net.URI;
import java.util.Objects;

/** What a rule does when it fires; {@link #type()} is the action's name in JSON. */
public sealed interface RuleAction {
    String type();

    /** Answers the sender with {@code text} through the outbound pipeline. */
    record Reply(String text) implements RuleAction {
        public Reply {
            Objects.requireNonNull(text, "text");
        }

        @Override
        public String type() {
            return "reply";
        }
    }

    /** POSTs the message as JSON to {@code url}. */
    record Forward(URI url) implements RuleAction {
        public Forward {
            Objects.requireNonNull(url, "url");
        }

        @Override
        public String type() {
            return "forward";
        }
    }

    /** Adds {@code tag} to the message's conversation. */
    record Tag(String tag) implements RuleAction {
        public Tag {
            Objects.requireNonNull(tag, "tag");
        }

        @Override
        public String type() {
            return "tag";
        }
    }

    /** Sets the state of the message's conversation to {@code state}. */
    record SetState(String state) implements RuleAction {
        public SetState {
            Objects.requireNonNull(state, "state");
        }

        @Override
        public String type() {
            return "state";
        }
    }
}
