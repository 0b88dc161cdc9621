package io.omniservice.core.outbound;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.util.Locale;

/**
 * A circuit breaker per carrier account, and the health that carrier selection reads from it: closed is
 * healthy, half-open degraded, open down. Only retryable failures (5xx, 429, timeouts, connection
 * errors) count against a carrier; a refused recipient says nothing about the carrier's health.
 */
public final class CarrierHealth {
    /** What selection and {@code GET /v1/carriers} call a breaker's state. */
    public enum Health {
        HEALTHY,
        DEGRADED,
        DOWN;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final CircuitBreakerRegistry breakers;

    public CarrierHealth(OutboundSettings.Breaker settings) {
        CircuitBreakerConfig config = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(settings.window())
                .minimumNumberOfCalls(settings.minimumCalls())
                .failureRateThreshold(settings.failureRatePercent())
                .waitDurationInOpenState(settings.openFor())
                .permittedNumberOfCallsInHalfOpenState(settings.halfOpenCalls())
                // a down carrier is picked last, so it may never get the call that would half-open it
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .recordException(e -> e instanceof SendFailure f && f.kind() == SendFailure.Kind.RETRYABLE)
                .build();
        this.breakers = CircuitBreakerRegistry.of(config);
    }

    /**
     * Tells {@code listener} the route name ({@code carrier/account}) each time a breaker opens, for a metric
     * an alarm watches (the Lambda functions' CloudWatch metric).
     */
    public void whenOpened(java.util.function.Consumer<String> listener) {
        java.util.function.Consumer<CircuitBreaker> watch =
                breaker -> breaker.getEventPublisher().onStateTransition(event -> {
                    CircuitBreaker.State to = event.getStateTransition().getToState();
                    if (to == CircuitBreaker.State.OPEN || to == CircuitBreaker.State.FORCED_OPEN) {
                        listener.accept(event.getCircuitBreakerName());
                    }
                });
        breakers.getAllCircuitBreakers().forEach(watch);
        breakers.getEventPublisher().onEntryAdded(added -> watch.accept(added.getAddedEntry()));
    }

    /** The route names ({@code carrier/account}) whose breaker is open now. */
    public java.util.List<String> openRoutes() {
        return breakers.getAllCircuitBreakers().stream()
                .filter(b ->
                        b.getState() == CircuitBreaker.State.OPEN || b.getState() == CircuitBreaker.State.FORCED_OPEN)
                .map(CircuitBreaker::getName)
                .sorted()
                .toList();
    }

    public CircuitBreaker breaker(CarrierRoute route) {
        return breakers.circuitBreaker(route.name());
    }

    public Health health(CarrierRoute route) {
        return switch (breaker(route).getState()) {
            case CLOSED, DISABLED, METRICS_ONLY -> Health.HEALTHY;
            case HALF_OPEN -> Health.DEGRADED;
            case OPEN, FORCED_OPEN -> Health.DOWN;
        };
    }
}
