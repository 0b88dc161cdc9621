package io.omniservice.carriers.inteliquent;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.JsonBody;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.Sender;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the message broker's inbound webhook body: {@code from}, {@code to[]}, {@code text},
 * {@code mediaUrls[]}, {@code referenceId} and {@code deliveryReceipt}, as in Inteliquent's Services API
 * 2.0.0 ("Receive Inbound Message Webhook"). Numbers are NANP digits without {@code +}.
 */
final class InteliquentPayloadParser {
    private static final Logger LOG = LoggerFactory.getLogger(InteliquentPayloadParser.class);

    private final String account;

    InteliquentPayloadParser(String account) {
        this.account = account;
    }

    List<InboundEvent> parse(byte[] body, String messageId) throws WebhookRejection {
        JsonNode root = JsonBody.parse(body);
        if (!root.isObject()) {
            throw WebhookRejection.malformed("the body must be a JSON object with from, to and text");
        }
        if (root.path("deliveryReceipt").asBoolean(false)) {
            // Inteliquent documents only the flag, not which status a receipt reports or how; mapping one would
            // be a guess, so receipts are acknowledged and not stored until their shape is confirmed.
            LOG.info(
                    "inteliquent delivery receipt acknowledged, not stored referenceId={}",
                    root.path("referenceId").asText(null));
            return List.of();
        }
        String from = nanp(textField(root, "from", true), "from");
        String recipient = nanp(firstRecipient(root), "to");
        String text = textField(root, "text", false);
        List<MediaItem> media = new ArrayList<>();
        JsonNode mediaUrls = root.path("mediaUrls");
        if (!mediaUrls.isMissingNode() && !mediaUrls.isNull()) {
            if (!mediaUrls.isArray()) {
                throw WebhookRejection.malformed("mediaUrls must be an array of URLs", "mediaUrls");
            }
            for (JsonNode url : mediaUrls) {
                if (!url.isTextual() || url.asText().isBlank()) {
                    throw WebhookRejection.malformed("mediaUrls must hold URL strings", "mediaUrls");
                }
                media.add(MediaItem.url(url.asText(), null));
            }
        }
        MessageContent content = media.isEmpty()
                ? new MessageContent.Text(text == null ? "" : text)
                : new MessageContent.Media(text == null || text.isEmpty() ? null : text, media);
        return List.of(new InboundMessage(
                CarrierType.INTELIQUENT,
                account,
                messageId,
                Sender.phone(from, null),
                recipient,
                content,
                null, // the webhook carries no timestamp of its own
                null,
                root));
    }

    private static String firstRecipient(JsonNode root) throws WebhookRejection {
        JsonNode to = root.get("to");
        if (to != null && to.isTextual()) {
            return to.asText();
        }
        if (to == null || !to.isArray() || to.isEmpty() || !to.get(0).isTextual()) {
            throw WebhookRejection.malformed("to must be an array of the numbers the message was sent to", "to");
        }
        // A group message lists every member; the first is the number of ours the broker delivered it to.
        return to.get(0).asText();
    }

    private static String textField(JsonNode root, String name, boolean required) throws WebhookRejection {
        JsonNode value = root.get(name);
        if (value == null || value.isNull()) {
            if (required) {
                throw WebhookRejection.malformed(name + " is missing", name);
            }
            return null;
        }
        if (!value.isTextual()) {
            throw WebhookRejection.malformed(name + " must be a string", name);
        }
        return value.asText();
    }

    /** {@code 4155550199} or {@code 14155550199} (a leading + tolerated) as {@code +14155550199}. */
    static String nanp(String raw, String field) throws WebhookRejection {
        String digits = raw.startsWith("+") ? raw.substring(1) : raw;
        if (digits.chars().allMatch(c -> c >= '0' && c <= '9')) {
            if (digits.length() == 10 && digits.charAt(0) >= '2') {
                return "+1" + digits;
            }
            if (digits.length() == 11 && digits.charAt(0) == '1' && digits.charAt(1) >= '2') {
                return "+" + digits;
            }
        }
        throw WebhookRejection.malformed(field + " must be a 10- or 11-digit North American number", field);
    }
}
