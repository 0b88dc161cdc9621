package io.omniservice.lambda;

/** The workflow state that runs media conversion of the message's attachments for one change event. */
public final class MediaStepHandler extends WorkflowStepHandler {
    public MediaStepHandler() {
        this(LambdaGateway.instance());
    }

    public MediaStepHandler(LambdaGateway gateway) {
        super(gateway, "media-conversion");
    }
}
