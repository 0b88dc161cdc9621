package io.omniservice.media.check;

/** The broad family of an accepted media type: what size limit applies and what a carrier may take. */
public enum MediaKind {
    IMAGE,
    VIDEO,
    AUDIO,
    DOCUMENT
}
