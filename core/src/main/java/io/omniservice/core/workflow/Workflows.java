package io.omniservice.core.workflow;

import io.omniservice.core.feed.ChangeEvent;
import java.util.List;
import java.util.Map;

/**
 * The seed's workflows as declared steps, one per kind of change event. A new inbound message runs
 * message processing (compliance keywords, media conversion, business rules) and notification; a status
 * change and a new conversation are notified.
 */
public final class Workflows {
    private Workflows() {}

    /**
     * The seed's order: opt-out keywords first (a STOP is honoured even when its media is broken), then
     * media, so rules, replies and forwards see the stored attachments, then notification.
     */
    public static Map<String, Workflow> standard(
            ComplianceStep compliance,
            MediaConversionStep media,
            RulesStep rules,
            NotificationStep notification,
            StepRetry retry) {
        return standard(compliance, media, rules, notification, new DuplicateDeliveryStep(() -> {}), retry);
    }

    /**
     * With {@code duplicates} after a status change is notified: a receipt after a fallback send is announced
     * as a duplicate delivery too.
     */
    public static Map<String, Workflow> standard(
            ComplianceStep compliance,
            MediaConversionStep media,
            RulesStep rules,
            NotificationStep notification,
            DuplicateDeliveryStep duplicates,
            StepRetry retry) {
        WorkflowStep notify = new WorkflowStep("notification", retry, notification);
        return Map.of(
                ChangeEvent.MESSAGE_RECEIVED,
                new Workflow(
                        "message-processing",
                        List.of(
                                new WorkflowStep("compliance", retry, compliance),
                                new WorkflowStep("media-conversion", retry, media),
                                new WorkflowStep("rules", retry, rules),
                                notify)),
                ChangeEvent.MESSAGE_STATUS,
                // after notification, so a status workflow stored mid-way by an older version keeps its step numbers
                new Workflow(
                        "status-handling", List.of(notify, new WorkflowStep("duplicate-delivery", retry, duplicates))),
                ChangeEvent.MESSAGE_DELIVERY_TIMEOUT,
                new Workflow("delivery-timeout-notification", List.of(notify)),
                ChangeEvent.CONVERSATION_CREATED,
                new Workflow("conversation-notification", List.of(notify)),
                ChangeEvent.CONVERSATION_MERGED,
                new Workflow("conversation-notification", List.of(notify)));
    }
}
