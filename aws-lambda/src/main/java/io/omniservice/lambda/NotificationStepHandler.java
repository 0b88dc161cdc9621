package io.omniservice.lambda;

/** The workflow state that runs notification: the event published to subscribers and the SNS topic for one change event. */
public final class NotificationStepHandler extends WorkflowStepHandler {
    public NotificationStepHandler() {
        this(LambdaGateway.instance());
    }

    public NotificationStepHandler(LambdaGateway gateway) {
        super(gateway, "notification");
    }
}
