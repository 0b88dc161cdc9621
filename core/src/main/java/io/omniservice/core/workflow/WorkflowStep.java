package io.omniservice.core.workflow;

/** One named step of a workflow with its retry policy. */
public record WorkflowStep(String name, StepRetry retry, Action action) {

    /** The step's work. It may call out (an auto-reply), but must be safe to run again after a crash. */
    @FunctionalInterface
    public interface Action {
        StepResult run(StepInput input) throws Exception;
    }
}
