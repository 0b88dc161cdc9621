package io.omniservice.core.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.json.Json;
import io.omniservice.core.notify.EventEnvelope;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How often a run writes its progress, and what it writes when a step fails. */
class WorkflowEngineTest {
    private static final StepRetry TWICE = new StepRetry(2, Duration.ofSeconds(1), Duration.ofSeconds(1));
    private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

    /** What the run asked the feed to write, in order: records and retries. */
    private final List<Object> writes = new ArrayList<>();

    private final AtomicInteger wakes = new AtomicInteger();
    private final FeedStore feed = (FeedStore) Proxy.newProxyInstance(
            FeedStore.class.getClassLoader(), new Class<?>[] {FeedStore.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "record" -> {
                        writes.add(args[0]);
                        return CompletableFuture.completedFuture(null);
                    }
                    case "retryLater" -> {
                        writes.add("retry step " + args[1] + " attempt " + args[2]);
                        return null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                }
            });

    private final ChangeEvent event = new ChangeEvent(
            7, UUID.randomUUID(), "test.event", null, "conv-1", Json.MAPPER.createObjectNode(), NOW, 0, 0, null);
    private final Effect.Publish publish = new Effect.Publish(
            new EventEnvelope(event.eventId(), event.type(), NOW, Json.MAPPER.createObjectNode()), "conv-1", null);

    private WorkflowEngine engine(WorkflowStep.Action... actions) {
        List<WorkflowStep> steps = new ArrayList<>();
        for (int i = 0; i < actions.length; i++) {
            steps.add(new WorkflowStep("step-" + i, TWICE, actions[i]));
        }
        return new WorkflowEngine(
                Map.of(event.type(), new Workflow("test", steps)),
                feed,
                null,
                Clock.fixed(NOW, ZoneOffset.UTC),
                wakes::incrementAndGet);
    }

    @Test
    void aDeferredEffectIsStoredWithTheWorkflowsEndInOneWrite() {
        // a status change: notified, then the duplicate-delivery check finds nothing to do
        var outcome = engine(input -> StepResult.deferred(publish), input -> StepResult.NOTHING)
                .run(event);

        assertThat(outcome).isEqualTo(WorkflowEngine.Outcome.DONE);
        assertThat(writes)
                .containsExactly(new StepRecord(7, 2, true, Json.MAPPER.createObjectNode(), List.of(publish)));
        assertThat(wakes).hasValue(1);
    }

    @Test
    void aStepThatChangedSomethingIsStoredBeforeTheNextStepRuns() {
        Effect tag = new Effect.TagConversation("conv-1", "vip");
        engine(input -> StepResult.of(tag), input -> StepResult.NOTHING).run(event);

        assertThat(writes)
                .containsExactly(
                        new StepRecord(7, 1, false, Json.MAPPER.createObjectNode(), List.of(tag)),
                        new StepRecord(7, 2, true, Json.MAPPER.createObjectNode(), List.of()));
        assertThat(wakes).hasValue(0);
    }

    @Test
    void aLaterStepsFailureStoresWhatWasDeferredBeforeItsRetry() {
        var outcome = engine(input -> StepResult.deferred(publish), input -> {
                    // what the failing step half wrote is not stored with the deferred effect
                    input.context().put("half", true);
                    throw new IllegalStateException("downstream is down");
                })
                .run(event);

        assertThat(outcome).isEqualTo(WorkflowEngine.Outcome.RETRY_LATER);
        assertThat(writes)
                .containsExactly(
                        new StepRecord(7, 1, false, Json.MAPPER.createObjectNode(), List.of(publish)),
                        "retry step 1 attempt 1");
        assertThat(wakes).hasValue(1);
    }

    @Test
    void aFailureWithNothingDeferredWritesOnlyTheRetry() {
        engine(input -> StepResult.NOTHING, input -> {
                    throw new IllegalStateException("downstream is down");
                })
                .run(event);

        assertThat(writes).containsExactly("retry step 1 attempt 1");
    }

    @Test
    void aDeferrableResultCannotCarryAContextChange() {
        assertThatThrownBy(() -> new StepResult(List.of(publish), true, true))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
