package io.omniservice.lambda;

/** The workflow state that runs the business rules, auto-replies and forwards for one change event. */
public final class RulesStepHandler extends WorkflowStepHandler {
    public RulesStepHandler() {
        this(LambdaGateway.instance());
    }

    public RulesStepHandler(LambdaGateway gateway) {
        super(gateway, "rules");
    }
}
