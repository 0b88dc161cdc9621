package io.omniservice.core.outbound;

import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import java.util.ArrayList;
import java.util.List;

/**
 * What an SMS/MMS carrier can send: text and media URLs it fetches itself. The pipeline renders
 * templates and degrades buttons to text before it reaches such a carrier; the refusals here only guard.
 */
public record SmsContent(String text, List<String> mediaUrls) {
    public SmsContent {
        mediaUrls = List.copyOf(mediaUrls);
    }

    /**
     * The content as text and media URLs.
     *
     * @param carrier the carrier's name, for the refusal's message
     * @throws SendFailure carrier-rejected {@code media_url_missing} for media known only by another
     *     carrier's id, {@code template_unsupported}, {@code interactive_unsupported} or
     *     {@code content_unsupported}
     */
    public static SmsContent of(MessageContent content, String carrier) throws SendFailure {
        return switch (content) {
            case MessageContent.Text t -> new SmsContent(t.body(), List.of());
            case MessageContent.Media m -> {
                List<String> urls = new ArrayList<>();
                for (MediaItem item : m.items()) {
                    if (item.url() == null || item.url().isBlank()) {
                        throw SendFailure.carrierRejected(
                                "media_url_missing", carrier + " MMS media must be a fetchable URL", 0);
                    }
                    urls.add(item.url());
                }
                yield new SmsContent(m.body(), urls);
            }
            case MessageContent.Template t ->
                throw SendFailure.carrierRejected("template_unsupported", carrier + " SMS/MMS has no templates", 0);
            case MessageContent.Interactive i ->
                throw SendFailure.carrierRejected(
                        "interactive_unsupported", carrier + " SMS/MMS has no interactive messages", 0);
            default ->
                throw SendFailure.carrierRejected(
                        "content_unsupported",
                        carrier + " SMS/MMS cannot carry " + content.getClass().getSimpleName() + " content",
                        0);
        };
    }
}
