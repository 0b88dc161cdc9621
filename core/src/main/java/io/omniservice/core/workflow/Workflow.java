package io.omniservice.core.workflow;

import java.util.List;

/** A declared sequence of steps run for one kind of change event (the seed's Step Functions workflows). */
public record Workflow(String name, List<WorkflowStep> steps) {
    public Workflow {
        steps = List.copyOf(steps);
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a workflow needs at least one step");
        }
    }
}
