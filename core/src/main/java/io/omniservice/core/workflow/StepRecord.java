package io.omniservice.core.workflow;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A workflow's progress to store: the next step to run, what the steps so far produced, and their
 * effects. {@code done} ends the workflow (its event leaves the feed).
 */
public record StepRecord(long seq, int nextStep, boolean done, ObjectNode context, List<Effect> effects) {}
