package io.omniservice.core.workflow;

/**
 * The message-processing workflow's media step. Media conversion (download, validate, store, sign) is
 * not built yet: until it is, the carrier's media references pass through unchanged.
 */
public final class MediaConversionStep implements WorkflowStep.Action {
    @Override
    public StepResult run(StepInput input) {
        return StepResult.NOTHING;
    }
}
