package io.omniservice.core.workflow;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.Message;
import io.omniservice.core.notify.EventEnvelope;
import io.omniservice.core.rules.Rule;
import io.omniservice.core.rules.RuleAction;
import io.omniservice.core.rules.RuleBook;
import io.omniservice.core.rules.RuleInput;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The message-processing workflow's rules step: evaluates the business rules against the message at
 * the time it was received (so a run repeated after a crash decides the same) and carries out the
 * actions of those that fire. Tags, states and forwards are effects stored with the step; replies go
 * through the outbound pipeline under an idempotency key per rule and action.
 */
public final class RulesStep implements WorkflowStep.Action {
    private final Supplier<RuleBook> rules;
    private final AutoReplies replies;

    public RulesStep(Supplier<RuleBook> rules, AutoReplies replies) {
        this.rules = rules;
        this.replies = replies;
    }

    @Override
    public StepResult run(StepInput input) {
        Message message = input.message();
        List<Rule> firing = rules.get()
                .firing(new RuleInput(
                        message.carrier(),
                        message.recipient(),
                        message.sender(),
                        message.content().body(),
                        message.timestamps().created()));
        if (firing.isEmpty()) {
            return StepResult.NOTHING;
        }
        List<Effect> effects = new ArrayList<>();
        ArrayNode fired = input.context().putArray("rules");
        for (Rule rule : firing) {
            ObjectNode entry = fired.addObject();
            entry.put("id", rule.id());
            entry.put("name", rule.name());
            ArrayNode done = entry.putArray("actions");
            for (int i = 0; i < rule.actions().size(); i++) {
                RuleAction action = rule.actions().get(i);
                ObjectNode outcome = done.addObject();
                outcome.put("type", action.type());
                switch (action) {
                    case RuleAction.Reply reply ->
                        outcome.setAll(replies.reply(
                                message, reply.text(), input.event().eventId() + ":rule:" + rule.id() + ":" + i));
                    case RuleAction.Forward forward -> {
                        outcome.put("url", forward.url().toString());
                        EventEnvelope envelope = new EventEnvelope(
                                input.event().eventId(),
                                input.event().type(),
                                input.event().createdAt(),
                                NotificationStep.eventData(input.messageAsShown()));
                        effects.add(new Effect.Forward(
                                forward.url(),
                                message.messageId(),
                                message.conversationId(),
                                Json.text(envelope),
                                rule.client()));
                    }
                    case RuleAction.Tag tag -> {
                        outcome.put("tag", tag.tag());
                        effects.add(new Effect.TagConversation(message.conversationId(), tag.tag()));
                    }
                    case RuleAction.SetState state -> {
                        outcome.put("state", state.state());
                        effects.add(new Effect.SetConversationState(message.conversationId(), state.state()));
                    }
                }
            }
        }
        effects.add(new Effect.RulesFired(message.messageId(), fired.deepCopy()));
        return StepResult.noted(effects);
    }
}
