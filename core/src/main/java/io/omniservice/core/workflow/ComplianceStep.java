package io.omniservice.core.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.model.Message;
import io.omniservice.core.outbound.OptOutKeywords;
import java.util.Locale;
import java.util.Set;

/**
 * The message-processing workflow's first step: answers compliance keywords. The opt-out or opt-in
 * itself is already in force (stored with the message, before its webhook was answered); this step sends
 * the configured HELP/INFO text and the optional opt-out/opt-in confirmations, unless the carrier
 * answers them itself.
 */
public final class ComplianceStep implements WorkflowStep.Action {
    static final Set<String> HELP = Set.of("HELP", "INFO");

    private final ComplianceSettings settings;
    private final AutoReplies replies;

    public ComplianceStep(ComplianceSettings settings, AutoReplies replies) {
        this.settings = settings;
        this.replies = replies;
    }

    @Override
    public StepResult run(StepInput input) {
        Message message = input.message();
        if (!OptOutKeywords.applies(message.direction(), message.metadata())) {
            return StepResult.NOTHING;
        }
        String body = message.content().body();
        String request;
        String word;
        String answer;
        var optWord = OptOutKeywords.of(body);
        if (optWord.isPresent()) {
            word = optWord.get().word();
            boolean out = optWord.get().request() == OptOutKeywords.Request.OPT_OUT;
            request = out ? "opt_out" : "opt_in";
            answer = out ? settings.optOutText() : settings.optInText();
        } else {
            word = helpWord(body);
            if (word == null) {
                return StepResult.NOTHING;
            }
            request = "help";
            answer = settings.helpText();
        }
        ObjectNode noted = input.context().putObject("compliance");
        noted.put("keyword", word);
        noted.put("request", request);
        if (answer == null || answer.isBlank()) {
            noted.put("reply", "none configured");
        } else if (carrierAnswers(message)) {
            noted.put("reply", "answered by the carrier");
        } else {
            noted.set(
                    "reply",
                    replies.complianceNotice(message, answer, input.event().eventId() + ":compliance"));
        }
        return StepResult.noted(java.util.List.of());
    }

    static String helpWord(String body) {
        if (body == null || body.length() > 20) {
            return null;
        }
        String word = body.trim().replaceAll("[.!?]+$", "").toUpperCase(Locale.ROOT);
        return HELP.contains(word) ? word : null;
    }

    /** Long codes and toll-free numbers are E.164; short codes (5–6 digits) are answered by nobody but us. */
    private boolean carrierAnswers(Message message) {
        String ours = message.recipient();
        return settings.carrierAnswersOnLongCodes().contains(message.carrier())
                && ours != null
                && ours.startsWith("+")
                && ours.length() > 8;
    }
}
