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
import java.util.TreeSet;
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
            // The Services API 2.0.0 webhook model (searched again for this change: docs, pages and code) gives a
            // receipt only this flag beside the message fields: no status (delivered or failed), no error code,
            // no time, and referenceId is only "cross reference for the message Id", not said to be
            // publishMessages' result.referenceId. A StatusUpdate would guess all of that, so receipts are
            // acknowledged and not stored until the shape is documented.
            LOG.info(
                    "inteliquent delivery receipt acknowledged, not stored referenceId={}",
                    root.path("referenceId").asText(null));
            return List.of();
        }
        String from = nanp(textField(root, "from", true), "from");
        String recipient = nanp(firstRecipient(root), "to");
        String group = group(root.get("to"), recipient, from);
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
                root,
                group));
    }

    /**
     * A group message's members but us: every other number of {@code to} and the sender, in E.164, sorted and
     * joined by ',' ({@code +12125550142,+13105550177,+14155550123}), so each member's message of the same group
     * lands in one {@code sms-group:} conversation whoever wrote it. Null for a message to us alone.
     */
    private static String group(JsonNode to, String recipient, String from) throws WebhookRejection {
        if (to == null || !to.isArray() || to.size() < 2) {
            return null;
        }
        TreeSet<String> members = new TreeSet<>();
        for (int i = 1; i < to.size(); i++) {
            if (!to.get(i).isTextual()) {
                throw WebhookRejection.malformed("to must hold the numbers of the group as strings", "to");
            }
            members.add(nanp(to.get(i).asText(), "to"));
        }
        members.remove(recipient);
        if (members.isEmpty()) {
            return null; // our number listed twice: still a message to us alone
        }
        members.add(from);
        return String.join(",", members);
    }

    private static String firstRecipient(JsonNode root) throws WebhookRejection {
        JsonNode to = root.get("to");
        if (to != null && to.isTextual()) {
            return to.asText();
        }
        if (to == null || !to.isArray() || to.isEmpty() || !to.get(0).isTextual()) {
            throw WebhookRejection.malformed("to must be an array of the numbers the message was sent to", "to");
        }
        // A group message lists every member; the first is the number of ours the broker delivered it to (the
        // documentation says only "array of multiple TNs to whom the message was sent").
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
