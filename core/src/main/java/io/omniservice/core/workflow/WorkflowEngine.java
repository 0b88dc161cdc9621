package io.omniservice.core.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.json.Json;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.trace.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an event's workflow from the step its stored progress names. After a step that changed
 * something, the progress and the step's effects are stored together before the next step starts, so a
 * crash resumes at the step that was running and no effect is stored twice; a step whose result is
 * {@linkplain StepResult#deferred deferrable} has its effects stored with the next write instead (one commit
 * fewer: a status change's notification and the duplicate-delivery check after it end in one). A failing step is retried
 * by its policy, then the event becomes a dead letter.
 */
public final class WorkflowEngine {
    private static final Logger LOG = LoggerFactory.getLogger(WorkflowEngine.class);

    /** How one run ended. */
    public enum Outcome {
        DONE,
        RETRY_LATER,
        DEAD_LETTERED
    }

    private final Map<String, Workflow> byEventType;
    private final FeedStore feed;
    private final MessageStore messages;
    private final Clock clock;
    private final Runnable published;
    private final java.util.function.UnaryOperator<io.omniservice.core.model.Message> view;
    private final Tracing tracing;

    /**
     * @param byEventType the workflow for each event type
     * @param published told after events were published (wakes deliveries and SSE streams)
     */
    public WorkflowEngine(
            Map<String, Workflow> byEventType, FeedStore feed, MessageStore messages, Clock clock, Runnable published) {
        this(byEventType, feed, messages, clock, published, java.util.function.UnaryOperator.identity());
    }

    /** @param view how events show a stored message (its media as signed URLs) */
    public WorkflowEngine(
            Map<String, Workflow> byEventType,
            FeedStore feed,
            MessageStore messages,
            Clock clock,
            Runnable published,
            java.util.function.UnaryOperator<io.omniservice.core.model.Message> view) {
        this(byEventType, feed, messages, clock, published, view, Tracing.OFF);
    }

    /** With {@code tracing}: each step is a span in the trace of the event's message. */
    public WorkflowEngine(
            Map<String, Workflow> byEventType,
            FeedStore feed,
            MessageStore messages,
            Clock clock,
            Runnable published,
            java.util.function.UnaryOperator<io.omniservice.core.model.Message> view,
            Tracing tracing) {
        this.tracing = tracing;
        this.byEventType = Map.copyOf(byEventType);
        this.feed = feed;
        this.messages = messages;
        this.clock = clock;
        this.published = published;
        this.view = view;
    }

    public Workflow workflowFor(String eventType) {
        Workflow workflow = byEventType.get(eventType);
        if (workflow == null) {
            throw new IllegalArgumentException("no workflow handles " + eventType + " events");
        }
        return workflow;
    }

    public Outcome run(ChangeEvent event) {
        Workflow workflow = workflowFor(event.type());
        ObjectNode context = event.context() == null
                ? Json.MAPPER.createObjectNode()
                : event.context().deepCopy();
        StepInput input = new StepInput(event, context, messages, view);
        int step = event.step();
        int storedStep = event.step();
        // the context as the last stored progress has it: a deferrable step does not change it
        ObjectNode storedContext = context.deepCopy();
        List<Effect> unstored = new ArrayList<>();
        String trace = traceParent(event, input);
        while (step < workflow.steps().size()) {
            WorkflowStep current = workflow.steps().get(step);
            StepResult result;
            input.running(step == event.step() ? event.attempts() : 0);
            try {
                result = runStep(workflow, current, event, input, trace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted in step " + current.name(), e);
            } catch (Exception e) {
                int attempts = step == storedStep ? event.attempts() + 1 : 1;
                if (!unstored.isEmpty()) {
                    // what earlier steps deferred, stored before the retry starts past them
                    store(new StepRecord(event.seq(), step, false, storedContext, List.copyOf(unstored)));
                }
                return failed(event, workflow, step, attempts, e);
            }
            step++;
            unstored.addAll(result.effects());
            boolean done = step == workflow.steps().size();
            if (done || (result.changedAnything() && !result.deferrable())) {
                storedContext = context.deepCopy();
                store(new StepRecord(event.seq(), step, done, storedContext, List.copyOf(unstored)));
                unstored.clear();
                storedStep = step;
            }
        }
        return Outcome.DONE;
    }

    /** Stores a run's progress and effects; those that published wake deliveries and streams once stored. */
    private void store(StepRecord record) {
        feed.record(record).join();
        if (record.effects().stream().anyMatch(Effect.Publish.class::isInstance)) {
            published.run();
        }
    }

    /** A step failed in {@link #runThrough}: whoever started the step retries it or gives up on it. */
    public static final class StepFailed extends Exception {
        private final String step;

        public StepFailed(String step, Exception cause) {
            super(
                    step + ": " + cause.getClass().getSimpleName()
                            + (cause.getMessage() == null ? "" : ": " + cause.getMessage()),
                    cause);
            this.step = step;
        }

        public String step() {
            return step;
        }
    }

    /**
     * Runs an event's workflow from its stored progress through the step at {@code lastStep} and stores the
     * progress, for an orchestrator that runs each step itself (a Step Functions execution, one task per step).
     * A step its stored progress is already past does nothing, so a retried task is harmless. A failing step
     * stores nothing and throws: the orchestrator owns the retries and the dead letter.
     *
     * @return true when this ran or found done the workflow's last step (the event has left the feed)
     */
    public boolean runThrough(ChangeEvent event, int lastStep) throws StepFailed {
        Workflow workflow = workflowFor(event.type());
        int last = Math.min(lastStep, workflow.steps().size() - 1);
        int step = event.step();
        if (step > last) {
            return false;
        }
        ObjectNode context = event.context() == null
                ? Json.MAPPER.createObjectNode()
                : event.context().deepCopy();
        StepInput input = new StepInput(event, context, messages, view);
        List<Effect> unstored = new ArrayList<>();
        String trace = traceParent(event, input);
        while (step <= last) {
            WorkflowStep current = workflow.steps().get(step);
            input.running(step == event.step() ? event.attempts() : 0);
            StepResult result;
            try {
                result = runStep(workflow, current, event, input, trace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted in step " + current.name(), e);
            } catch (Exception e) {
                throw new StepFailed(current.name(), e);
            }
            unstored.addAll(result.effects());
            step++;
        }
        boolean done = step == workflow.steps().size();
        // stored even when nothing changed: the next task finds this step done, however often it is retried
        store(new StepRecord(event.seq(), step, done, context.deepCopy(), List.copyOf(unstored)));
        return done;
    }

    /** The trace of the event's message, which its steps continue; null while tracing is off. */
    private String traceParent(ChangeEvent event, StepInput input) {
        if (!tracing.enabled() || event.messageId() == null) {
            return null;
        }
        try {
            // read once for all steps of the run, which read it anyway
            var metadata = input.message().metadata();
            return metadata == null ? null : metadata.traceParent();
        } catch (RuntimeException gone) {
            return null;
        }
    }

    private StepResult runStep(
            Workflow workflow, WorkflowStep current, ChangeEvent event, StepInput input, String trace)
            throws Exception {
        Span span = tracing.span("workflow " + workflow.name() + " " + current.name(), SpanKind.INTERNAL, trace)
                .setAttribute(Tracing.EVENT_TYPE, event.type())
                .setAttribute("omniservice.workflow", workflow.name())
                .setAttribute("omniservice.workflow.step", current.name())
                .setAttribute(Tracing.ATTEMPT, input.failedAttempts() + 1L)
                .startSpan();
        if (event.messageId() != null) {
            span.setAttribute(Tracing.MESSAGE_ID, event.messageId());
        }
        if (event.conversationId() != null) {
            span.setAttribute(Tracing.CONVERSATION_ID, event.conversationId());
        }
        try (Tracing.Active active = Tracing.activate(span, event.messageId())) {
            try {
                return current.action().run(input);
            } catch (Exception e) {
                active.failed(e);
                throw e;
            }
        }
    }

    private Outcome failed(ChangeEvent event, Workflow workflow, int step, int attempts, Exception failure) {
        WorkflowStep current = workflow.steps().get(step);
        String error = current.name() + ": " + failure.getClass().getSimpleName()
                + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
        if (attempts >= current.retry().maxAttempts()) {
            LOG.warn(
                    "{} step {} of event {} failed {} times, dead-lettered: {}",
                    workflow.name(),
                    current.name(),
                    event.eventId(),
                    attempts,
                    error);
            feed.deadLetter(event, workflow.name(), step, attempts, error);
            return Outcome.DEAD_LETTERED;
        }
        LOG.info(
                "{} step {} of event {} failed (attempt {}), retrying: {}",
                workflow.name(),
                current.name(),
                event.eventId(),
                attempts,
                error);
        feed.retryLater(
                event.seq(),
                step,
                attempts,
                error,
                clock.instant().plus(current.retry().backoff(attempts)));
        return Outcome.RETRY_LATER;
    }
}
