package io.omniservice.core.workflow;

import java.util.List;

/**
 * What a step did: its effects (stored with its progress) and whether it wrote to the workflow's
 * context. A step that did neither is not worth a write of its own: run again after a crash it does
 * the same nothing, so its progress is stored with the next step that changes something.
 */
public record StepResult(List<Effect> effects, boolean contextChanged) {
    public static final StepResult NOTHING = new StepResult(List.of(), false);

    public static StepResult of(Effect... effects) {
        return new StepResult(List.of(effects), false);
    }

    public static StepResult noted(List<Effect> effects) {
        return new StepResult(effects, true);
    }

    boolean changedAnything() {
        return contextChanged || !effects.isEmpty();
    }
}
