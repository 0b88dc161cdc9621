package io.omniservice.core.workflow;

import java.util.List;

/**
 * What a step did: its effects (stored with its progress) and whether it wrote to the workflow's
 * context. A step that did neither is not worth a write of its own: run again after a crash it does
 * the same nothing, so its progress is stored with the next step that changes something.
 *
 * <p>{@code deferrable}: the effects are stored with the workflow's next write rather than in one of their own
 * (the workflow's end, a later step that changes something, or a later step's failure). For a step that, run
 * again after a crash, computes the same effects and does nothing beyond what its effects say, so running it
 * again costs less than a commit between it and the next step.
 */
public record StepResult(List<Effect> effects, boolean contextChanged, boolean deferrable) {
    public static final StepResult NOTHING = new StepResult(List.of(), false, false);

    public StepResult {
        effects = List.copyOf(effects);
        if (deferrable && contextChanged) {
            // a failing later step stores the progress without the context it may have half written
            throw new IllegalArgumentException("a deferrable step leaves the context as it is");
        }
    }

    public static StepResult of(Effect... effects) {
        return new StepResult(List.of(effects), false, false);
    }

    public static StepResult noted(List<Effect> effects) {
        return new StepResult(effects, true, false);
    }

    /** Effects stored with the workflow's next write (see the class). */
    public static StepResult deferred(Effect... effects) {
        return new StepResult(List.of(effects), false, true);
    }

    boolean changedAnything() {
        return contextChanged || !effects.isEmpty();
    }
}
