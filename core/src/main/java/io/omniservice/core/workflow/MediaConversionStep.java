package io.omniservice.core.workflow;

import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The message-processing workflow's media step: each attachment of a new message is fetched from its
 * carrier the carrier's way, checked (format from the bytes, size, malware), stored and, for images,
 * given a thumbnail. The message is rewritten with what came of each one, in the step's own transaction.
 *
 * <p>A fetch that fails for a transient reason fails the step, which the workflow retries. On the step's
 * last attempt the attachment is marked {@code unavailable} instead, so a carrier's dead link does not
 * hold back the message's rules and notification for good.
 */
public final class MediaConversionStep implements WorkflowStep.Action {
    private final MediaPipeline media;
    private final BiFunction<CarrierType, String, MediaAccess> carriers;
    private final int maxAttempts;

    /**
     * @param carriers the media access of a carrier account (by carrier and account name)
     * @param maxAttempts the step's attempts; the last one gives up on attachments that still fail
     */
    public MediaConversionStep(
            MediaPipeline media, BiFunction<CarrierType, String, MediaAccess> carriers, int maxAttempts) {
        this.media = media;
        this.carriers = carriers;
        this.maxAttempts = maxAttempts;
    }

    @Override
    public StepResult run(StepInput input) throws IOException {
        Message message = input.message();
        if (media == MediaPipeline.NONE
                || !(message.content() instanceof MessageContent.Media content)
                || content.items().stream().allMatch(MediaItem::processed)) {
            return StepResult.NOTHING;
        }
        String account = message.metadata() == null ? null : message.metadata().account();
        MediaAccess access = carriers.apply(message.carrier(), account);
        boolean lastAttempt = input.failedAttempts() + 1 >= maxAttempts;
        List<MediaItem> items = new ArrayList<>(content.items().size());
        for (MediaItem item : content.items()) {
            if (item.processed()) {
                items.add(item);
                continue;
            }
            try {
                items.add(media.storeInbound(item, access));
            } catch (IOException e) {
                if (!lastAttempt) {
                    throw e;
                }
                items.add(item.notStored(
                        MediaItem.UNAVAILABLE, "not fetched in " + maxAttempts + " attempts: " + e.getMessage()));
            }
        }
        MessageContent.Media stored = new MessageContent.Media(content.body(), items);
        input.messageChanged(message.withContent(stored));
        return StepResult.of(new Effect.MediaStored(message.messageId(), stored));
    }
}
