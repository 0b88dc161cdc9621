package io.omniservice.lambda;

/** The workflow state that runs the opt-out and help keywords (compliance) for one change event. */
public final class ComplianceStepHandler extends WorkflowStepHandler {
    public ComplianceStepHandler() {
        this(LambdaGateway.instance());
    }

    public ComplianceStepHandler(LambdaGateway gateway) {
        super(gateway, "compliance");
    }
}
