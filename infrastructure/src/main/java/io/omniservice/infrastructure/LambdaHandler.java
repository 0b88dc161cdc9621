package io.omniservice.infrastructure;

import software.amazon.awscdk.Duration;

/**
 * The functions of the deployment, one per handler class of the aws-lambda module (the contract between the
 * two modules fixes the class names), with the timeout each runs under. Every function has 1,024 MB, Java 21,
 * SnapStart on its published version and an alias {@code live} that every trigger calls.
 */
public enum LambdaHandler {
    /** HTTP API v2: the carriers' webhooks, the {@code /v1} API, media and health. */
    API("ApiHandler", "Api", 29),
    /** The change-events table's stream: starts one workflow execution per change event. */
    STREAM("StreamHandler", "Stream", 60),
    COMPLIANCE_STEP("ComplianceStepHandler", "ComplianceStep", 60),
    MEDIA_STEP("MediaStepHandler", "MediaStep", 60),
    RULES_STEP("RulesStepHandler", "RulesStep", 60),
    NOTIFICATION_STEP("NotificationStepHandler", "NotificationStep", 60),
    /** The Catch target of every step: records the failed event as a dead letter. */
    DEAD_LETTER_STEP("DeadLetterStepHandler", "DeadLetterStep", 60),
    /** The three send queues: sends each ticket through its carrier. */
    OUTBOUND("OutboundHandler", "Outbound", 60),
    /** Every minute and on each new delivery: posts due callbacks, subscription events and forwards. */
    DELIVERY("DeliveryHandler", "Delivery", 60),
    /** Every minute: enqueues pending sends (the outbox sweep) and moves dead SQS sends into the dead letters. */
    SWEEP("SweepHandler", "Sweep", 60);

    /** The package of every handler class. */
    public static final String PACKAGE = "io.omniservice.lambda";

    public static final int MEMORY_MB = 1024;

    private final String className;
    private final String id;
    private final int timeoutSeconds;

    LambdaHandler(String className, String id, int timeoutSeconds) {
        this.className = className;
        this.id = id;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The Lambda handler string, {@code io.omniservice.lambda.ApiHandler::handleRequest}. */
    public String handler() {
        return PACKAGE + "." + className + "::handleRequest";
    }

    public String className() {
        return className;
    }

    /** The construct id, which the template's logical ids start with. */
    public String id() {
        return id;
    }

    /** The function's name under the deployment's prefix, e.g. {@code omniservice-api}. */
    public String functionName(String prefix) {
        return prefix + id.replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    public Duration timeout() {
        return Duration.seconds(timeoutSeconds);
    }

    public int timeoutSeconds() {
        return timeoutSeconds;
    }
}
