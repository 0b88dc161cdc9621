package io.omniservice.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a message carries, in the unified schema. Every kind has a {@link #body()}: the text a person
 * would read (the text itself, a caption, a place name, a button title), so keyword rules work on all.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = MessageContent.Text.class, name = "text"),
    @JsonSubTypes.Type(value = MessageContent.Media.class, name = "media"),
    @JsonSubTypes.Type(value = MessageContent.Location.class, name = "location"),
    @JsonSubTypes.Type(value = MessageContent.Template.class, name = "template"),
    @JsonSubTypes.Type(value = MessageContent.Interactive.class, name = "interactive"),
    @JsonSubTypes.Type(value = MessageContent.InteractiveReply.class, name = "interactive_reply"),
    @JsonSubTypes.Type(value = MessageContent.FormResponse.class, name = "form_response"),
    @JsonSubTypes.Type(value = MessageContent.Other.class, name = "other"),
    @JsonSubTypes.Type(value = MessageContent.Unsupported.class, name = "unsupported"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface MessageContent {
    String body();

    /** Plain text. */
    record Text(String body) implements MessageContent {
        public Text {
            Objects.requireNonNull(body, "body");
        }
    }

    /** One or more attachments with an optional caption as body. */
    record Media(String body, List<MediaItem> items) implements MessageContent {
        public Media {
            items = List.copyOf(items);
            if (items.isEmpty()) {
                throw new IllegalArgumentException("media content needs at least one item");
            }
        }
    }

    /** A shared location. */
    record Location(String body, double latitude, double longitude, String name, String address)
            implements MessageContent {}

    /** A template message (name and parameters), as sent by a business or echoed by a carrier. */
    record Template(String body, String templateId, Map<String, String> params) implements MessageContent {
        public Template {
            params = params == null ? Map.of() : Map.copyOf(params);
        }
    }

    /** Text with reply buttons, as a business sends it; {@code body} is the text above the buttons. */
    record Interactive(String body, List<Button> buttons) implements MessageContent {
        public Interactive {
            Objects.requireNonNull(body, "body");
            buttons = List.copyOf(buttons);
        }

        /** One reply option: the id comes back in the customer's answer, the title is what they see. */
        public record Button(String id, String title) {}
    }

    /**
     * A customer's answer to interactive content: a reply button, a list row or a template quick reply.
     * {@code replyId} is the id or payload the business gave the option, {@code body} its title.
     */
    record InteractiveReply(String body, String replyId, String description) implements MessageContent {}

    /**
     * Content the unified schema has no kind for (a WhatsApp reaction, contact card, order, ...):
     * {@code kind} is the carrier's own type name; the original payload is kept in the message metadata.
     */
    record Other(String body, String kind) implements MessageContent {
        public Other {
            Objects.requireNonNull(kind, "kind");
        }
    }

    /**
     * A customer's answers to a form (a WhatsApp Flow's {@code nfm_reply}): {@code fields} are the answers as
     * the form returned them ({@code response_json}, parsed), {@code name} the form's kind ({@code flow},
     * {@code address_message}), {@code body} the line the customer saw ("Sent").
     */
    record FormResponse(String body, String name, Map<String, Object> fields) implements MessageContent {
        public FormResponse {
            fields = fields == null
                    ? Map.of()
                    : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
        }
    }

    /**
     * A message the gateway keeps without understanding it: the carrier said it cannot show it (WhatsApp's
     * {@code unsupported} type), or its payload could not be normalized. {@code reason} says which; {@code
     * field} points into the payload when a field was at fault. The original payload is in the metadata.
     */
    record Unsupported(String body, String reason, String field) implements MessageContent {}
}
