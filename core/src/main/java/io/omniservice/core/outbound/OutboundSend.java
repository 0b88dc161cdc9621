package io.omniservice.core.outbound;

import io.omniservice.core.model.MessageContent;
import java.net.URI;
import java.util.Objects;

/**
 * One message ready for one carrier: content already shaped to what the carrier can carry (a template
 * rendered to text for SMS, buttons degraded to numbered text where the carrier has none).
 *
 * @param messageId our id; carriers that take a client reference get it, so their callbacks can name it
 * @param to the recipient: an E.164 number, or the carrier's own id where there is no number (a LiveChat chat)
 * @param from the sender number or id the request named; null means the account's configured sender
 * @param content {@link MessageContent.Text}, {@link MessageContent.Media}, {@link MessageContent.Template}
 *     or {@link MessageContent.Interactive}
 * @param templateLanguage language code of a template (WhatsApp's {@code language.code}); null for the
 *     account's default
 * @param statusCallbackUrl our webhook URL for this carrier account, for carriers that take one per
 *     message (Twilio {@code StatusCallback}, MessageBird {@code reportUrl}); null when not known
 */
public record OutboundSend(
        String messageId,
        String to,
        String from,
        MessageContent content,
        String templateLanguage,
        URI statusCallbackUrl) {
    public OutboundSend {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(content, "content");
    }
}
