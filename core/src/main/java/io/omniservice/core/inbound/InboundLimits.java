package io.omniservice.core.inbound;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.InboundEvent.Unreadable;
import io.omniservice.core.model.Sender;
import java.util.ArrayList;
import java.util.List;

/**
 * The last check before an inbound event is stored: every normalized field that lands in a bounded column
 * fits it, and holds no NUL (PostgreSQL refuses NUL in text). Adapters check their carrier's formats while
 * parsing; this backstop catches what one of them lets through, so a payload property is answered 400
 * ({@code field_too_long}, naming the field) instead of failing the transaction and answering 503, which
 * carriers retry for days.
 *
 * <p>The sizes are the columns of {@code store-jdbc/src/main/resources/db/migration/V1__message_store.sql};
 * change them together.
 */
public final class InboundLimits {
    /** {@code messages.carrier_message_id} and {@code status_history.carrier_message_id}. */
    public static final int CARRIER_MESSAGE_ID = 255;
    /** {@code messages.account}. */
    public static final int ACCOUNT = 128;
    /** {@code messages.sender}, which holds the phone number or else the carrier's id for the sender. */
    public static final int SENDER = 255;
    /** {@code messages.sender_name}. */
    public static final int SENDER_NAME = 255;
    /** {@code messages.recipient}. */
    public static final int RECIPIENT = 255;
    /** {@code conversations.participant}: the phone number, or {@code carrier:carrierId}. */
    public static final int PARTICIPANT = 255;
    /** {@code status_history.carrier_status}. */
    public static final int CARRIER_STATUS = 64;
    /** {@code status_history.error_code} and {@code messages.error_code}. */
    public static final int ERROR_CODE = 255;

    private InboundLimits() {}

    /** Checks every event of one webhook; the first field that does not fit refuses the whole webhook. */
    public static void check(List<InboundEvent> events) throws WebhookRejection {
        for (InboundEvent event : events) {
            check(event);
        }
    }

    /**
     * The events of one webhook with every message that does not fit turned into an {@link Unreadable}
     * (its id derived from the payload when the id itself is what does not fit), so one such message does
     * not cost the others. A status that does not fit names nothing we could keep: it refuses the webhook.
     */
    public static List<InboundEvent> fit(List<InboundEvent> events) throws WebhookRejection {
        List<InboundEvent> fitted = new ArrayList<>(events.size());
        for (InboundEvent event : events) {
            try {
                check(event);
                fitted.add(event);
            } catch (WebhookRejection overflow) {
                switch (event) {
                    case InboundMessage m ->
                        fitted.add(unreadable(
                                m.carrier(),
                                m.account(),
                                m.carrierMessageId(),
                                m.sender(),
                                m.recipient(),
                                m.originalPayload(),
                                overflow));
                    case Unreadable u ->
                        fitted.add(unreadable(
                                u.carrier(),
                                u.account(),
                                u.carrierMessageId(),
                                u.sender(),
                                u.recipient(),
                                u.originalPayload(),
                                overflow));
                    case StatusUpdate s -> throw overflow;
                }
            }
        }
        return fitted;
    }

    /** Keeps of what was read only the parts that fit; the rest is in the payload. */
    private static Unreadable unreadable(
            CarrierType carrier,
            String account,
            String id,
            Sender sender,
            String recipient,
            JsonNode payload,
            WebhookRejection why) {
        boolean senderFits = fits(sender.phoneNumber(), SENDER)
                && fits(sender.carrierId(), SENDER)
                && fits(sender.displayName(), SENDER_NAME)
                && fits(sender.userId(), SENDER)
                && fits(ConversationKey.of(carrier, sender).participant(), PARTICIPANT);
        return Unreadable.of(
                carrier,
                fits(account, ACCOUNT) ? account : "default",
                fits(id, CARRIER_MESSAGE_ID) ? id : null,
                senderFits ? sender : null,
                fits(recipient, RECIPIENT) ? recipient : null,
                why,
                payload);
    }

    private static boolean fits(String value, int limit) {
        return value == null || (value.length() <= limit && value.indexOf('\0') < 0);
    }

    public static void check(InboundEvent event) throws WebhookRejection {
        bounded("carrierMessageId", event.carrierMessageId(), CARRIER_MESSAGE_ID);
        bounded("account", event.account(), ACCOUNT);
        switch (event) {
            case InboundMessage m -> {
                sender(m.sender());
                bounded("recipient", m.recipient(), RECIPIENT);
                bounded("sender", m.conversationKey().participant(), PARTICIPANT);
                if (m.alias().isPresent()) {
                    bounded("sender.userId", m.alias().get().participant(), PARTICIPANT);
                }
            }
            case Unreadable u -> {
                sender(u.sender());
                bounded("recipient", u.recipient(), RECIPIENT);
                bounded("sender", u.conversationKey().participant(), PARTICIPANT);
            }
            case StatusUpdate s -> {
                bounded("carrierStatus", s.carrierStatus(), CARRIER_STATUS);
                bounded("errorCode", s.errorCode(), ERROR_CODE);
                bounded("errorMessage", s.errorMessage(), Integer.MAX_VALUE);
                bounded("recipient", s.recipient(), RECIPIENT);
            }
        }
    }

    private static void sender(Sender sender) throws WebhookRejection {
        bounded("sender.phoneNumber", sender.phoneNumber(), SENDER);
        bounded("sender.carrierId", sender.carrierId(), SENDER);
        bounded("sender.displayName", sender.displayName(), SENDER_NAME);
        bounded("sender.userId", sender.userId(), SENDER);
    }

    private static void bounded(String field, String value, int limit) throws WebhookRejection {
        if (value == null) {
            return;
        }
        // UTF-16 units: never fewer than the characters a VARCHAR counts, so this errs on the safe side.
        if (value.length() > limit) {
            throw WebhookRejection.tooLong(field, limit);
        }
        if (value.indexOf('\0') >= 0) {
            throw WebhookRejection.malformed(field + " contains a NUL character", field);
        }
    }
}
