package io.omniservice.core.notify;

/** An event in the published log: its position (the SSE {@code id}), type and the envelope as JSON text. */
public record PublishedEvent(long position, String type, String envelope) {}
