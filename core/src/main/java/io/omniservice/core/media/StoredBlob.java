package io.omniservice.core.media;

/** One stored object: its key, the content type detected from its bytes, and its size in bytes. */
public record StoredBlob(String key, String contentType, long size) {}
