package io.omniservice.media.convert;

/**
 * What {@link ImageConverter#fit} decided for one image and one carrier: send the file as it is, send a
 * rewritten copy, or do not send it (with a sentence saying why, fit for the message's failure reason).
 */
public sealed interface ImageFit {

    /** The source already is a type the carrier takes and within its size: send it untouched. */
    record Unchanged() implements ImageFit {}

    /**
     * A new file the carrier takes; {@code note} says what was done (type, size, quality) and, for an animated
     * GIF, that only its first frame was kept — worth recording on the media item, since the recipient sees a still.
     */
    record Rewritten(Converted result, String note) implements ImageFit {}

    /** No conversion available here makes the image acceptable; {@code reason} is one sentence. */
    record Impossible(String reason) implements ImageFit {}
}
