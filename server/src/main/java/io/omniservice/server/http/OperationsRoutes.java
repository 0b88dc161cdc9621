package io.omniservice.server.http;

import io.javalin.http.Context;
import io.omniservice.core.model.ApiError;
import io.omniservice.server.metrics.GatewayMetrics;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Health and metrics for orchestrators and scrapers: no authentication, no request data. */
final class OperationsRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(OperationsRoutes.class);

    private final io.omniservice.core.store.Storage store;
    private final GatewayMetrics metrics;

    private final java.util.function.BooleanSupplier draining;

    OperationsRoutes(
            io.omniservice.core.store.Storage store,
            GatewayMetrics metrics,
            java.util.function.BooleanSupplier draining) {
        this.store = store;
        this.metrics = metrics;
        this.draining = draining;
    }

    /** The process answers: restart it if not. */
    void live(Context ctx) {
        JsonBody.write(ctx, 200, Map.of("status", "up"));
    }

    /** Storage answers: send traffic here only then. */
    void ready(Context ctx) {
        if (draining.getAsBoolean()) {
            throw new ApiException(new ApiError(503, "draining", "this node is shutting down; send traffic elsewhere"));
        }
        boolean ready;
        try {
            ready = store.isReady();
        } catch (RuntimeException e) {
            LOG.warn("storage readiness check failed: {}", e.toString());
            ready = false;
        }
        if (ready) {
            JsonBody.write(ctx, 200, Map.of("status", "ready"));
        } else {
            throw new ApiException(new ApiError(503, "storage_unavailable", "storage does not answer"));
        }
    }

    void metrics(Context ctx) {
        ctx.status(200).contentType(GatewayMetrics.CONTENT_TYPE).result(metrics.scrape());
    }
}
