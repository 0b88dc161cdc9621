package io.omniservice.core.trace;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import org.slf4j.MDC;

/**
 * The gateway's traces: one trace per message, across the stages that handle it on any node and after any
 * restart. A stage hands its successor the W3C {@code traceparent} of the message's trace through the store
 * (the message's {@code metadata.traceParent}, a send job's plan), and the successor starts its span as a
 * child of it. Off ({@link #OFF}, the default) every span is a no-op and nothing is looked up for traces.
 */
public final class Tracing {
    /** No traces: spans cost a no-op object, and no stage reads anything to continue a trace. */
    public static final Tracing OFF = new Tracing(OpenTelemetry.noop(), false);

    public static final AttributeKey<String> MESSAGE_ID = AttributeKey.stringKey("omniservice.message.id");
    public static final AttributeKey<String> CONVERSATION_ID = AttributeKey.stringKey("omniservice.conversation.id");
    public static final AttributeKey<String> CARRIER = AttributeKey.stringKey("omniservice.carrier");
    public static final AttributeKey<String> ACCOUNT = AttributeKey.stringKey("omniservice.carrier.account");
    public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("omniservice.attempt");
    public static final AttributeKey<String> STATUS = AttributeKey.stringKey("omniservice.status");
    public static final AttributeKey<String> EVENT_TYPE = AttributeKey.stringKey("omniservice.event.type");

    /** The MDC keys a log line of a traced stage carries. */
    public static final String MDC_TRACE_ID = "trace_id";

    public static final String MDC_SPAN_ID = "span_id";
    public static final String MDC_MESSAGE_ID = "message_id";

    private static final String TRACEPARENT = "traceparent";
    private static final TextMapGetter<Map<String, String>> MAP_GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private final Tracer tracer;
    private final boolean enabled;

    private Tracing(OpenTelemetry openTelemetry, boolean enabled) {
        this.tracer = openTelemetry.getTracer("io.omniservice");
        this.enabled = enabled;
    }

    /** Traces recorded by {@code openTelemetry} (an SDK the server configured, or a test's). */
    public static Tracing of(OpenTelemetry openTelemetry) {
        return new Tracing(openTelemetry, true);
    }

    /** Whether spans are recorded: a stage reads what continues a trace (a stored message) only then. */
    public boolean enabled() {
        return enabled;
    }

    /** A span named {@code name} of {@code kind}, child of {@code parent} (a {@code traceparent}; null: the current span). */
    public SpanBuilder span(String name, SpanKind kind, String parent) {
        SpanBuilder builder = tracer.spanBuilder(name).setSpanKind(kind);
        if (parent != null) {
            Context context = parentContext(parent);
            if (Span.fromContext(context).getSpanContext().isValid()) {
                builder.setParent(context);
            }
        }
        return builder;
    }

    /**
     * The {@code traceparent} a stage about message {@code messageId} continues: the one stored with the
     * message. Read only while tracing is on; null when it is off, for no message, or when none is stored.
     */
    public String traceParentOf(io.omniservice.core.store.MessageStore messages, String messageId) {
        if (!enabled || messageId == null) {
            return null;
        }
        try {
            return messages.message(messageId)
                    .map(m -> m.metadata() == null ? null : m.metadata().traceParent())
                    .orElse(null);
        } catch (RuntimeException unreadable) {
            // a trace is not worth failing the stage for: it starts a trace of its own
            return null;
        }
    }

    /** A span of this process's work ({@link SpanKind#INTERNAL}) under the current span. */
    public SpanBuilder span(String name) {
        return span(name, SpanKind.INTERNAL, null);
    }

    /**
     * Makes {@code span} current (and its ids and {@code messageId} the log lines' MDC) until the returned
     * scope closes; closing ends the span too.
     */
    public static Active activate(Span span, String messageId) {
        // a span of no trace (tracing off, nothing came in) has nothing to hand on: the context stays as it is
        return new Active(span, span.getSpanContext().isValid() ? span.makeCurrent() : Scope.noop(), messageId);
    }

    /** A span made current by {@link #activate}; closing restores what was current and ends the span. */
    public static final class Active implements AutoCloseable {
        private final Span span;
        private final Scope scope;
        private final String traceId;
        private final String spanId;
        private final String messageId;

        private Active(Span span, Scope scope, String messageId) {
            this.span = span;
            this.scope = scope;
            SpanContext ids = span.getSpanContext();
            this.traceId = MDC.get(MDC_TRACE_ID);
            this.spanId = MDC.get(MDC_SPAN_ID);
            this.messageId = MDC.get(MDC_MESSAGE_ID);
            if (ids.isValid()) {
                MDC.put(MDC_TRACE_ID, ids.getTraceId());
                MDC.put(MDC_SPAN_ID, ids.getSpanId());
            }
            if (messageId != null) {
                MDC.put(MDC_MESSAGE_ID, messageId);
            }
        }

        public Span span() {
            return span;
        }

        /** Marks the span failed with {@code error}'s type and text. */
        public void failed(Throwable error) {
            span.recordException(error);
            span.setStatus(StatusCode.ERROR, error.toString());
        }

        @Override
        public void close() {
            restore(MDC_TRACE_ID, traceId);
            restore(MDC_SPAN_ID, spanId);
            restore(MDC_MESSAGE_ID, messageId);
            scope.close();
            span.end();
        }

        private static void restore(String key, String value) {
            if (value == null) {
                MDC.remove(key);
            } else {
                MDC.put(key, value);
            }
        }
    }

    /**
     * The W3C {@code traceparent} of the current span, to store with what a later stage continues; null
     * when there is no valid span (tracing off and no trace came in).
     */
    public static String currentTraceParent() {
        SpanContext span = Span.current().getSpanContext();
        if (!span.isValid()) {
            return null;
        }
        return "00-" + span.getTraceId() + "-" + span.getSpanId() + "-"
                + span.getTraceFlags().asHex();
    }

    /** The context a stored or received {@code traceparent} names (a root context when it names none). */
    public static Context parentContext(String traceParent) {
        if (traceParent == null) {
            return Context.root();
        }
        return W3CTraceContextPropagator.getInstance()
                .extract(Context.root(), Map.of(TRACEPARENT, traceParent), MAP_GETTER);
    }

    /** The context of a request's headers ({@code traceparent}, {@code tracestate}), names in any case. */
    public static Context incoming(Map<String, List<String>> headers) {
        Map<String, String> found = new java.util.HashMap<>();
        headers.forEach((name, values) -> {
            String lower = name.toLowerCase(java.util.Locale.ROOT);
            if ((lower.equals(TRACEPARENT) || lower.equals("tracestate")) && !values.isEmpty()) {
                found.put(lower, values.getFirst());
            }
        });
        return found.isEmpty()
                ? Context.root()
                : W3CTraceContextPropagator.getInstance().extract(Context.root(), found, MAP_GETTER);
    }

    /** Adds the current span's {@code traceparent} (and {@code tracestate}) to an outgoing request's headers. */
    public static void inject(BiConsumer<String, String> header) {
        W3CTraceContextPropagator.getInstance()
                .inject(Context.current(), header, (setter, name, value) -> setter.accept(name, value));
    }
}
