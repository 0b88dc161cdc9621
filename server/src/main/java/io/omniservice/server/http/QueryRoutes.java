package io.omniservice.server.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.javalin.http.Context;
import io.omniservice.core.access.Audience;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.PhoneNumber;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Page;
import io.omniservice.core.store.PageRequest;
import java.time.Instant;
import java.util.List;

/** The read side of the API: messages by id and by the seed's two indexes, conversations and their messages. */
final class QueryRoutes {
    private final MessageStore store;

    private final MediaPipeline media;

    QueryRoutes(MessageStore store, MediaPipeline media) {
        this.store = store;
        this.media = media;
    }

    /** A page as the contract writes it; {@code nextCursor} is null, not absent, on the last page. */
    record PageBody<T>(
            List<T> items,
            @JsonInclude(JsonInclude.Include.ALWAYS) String nextCursor) {
        static <T> PageBody<T> of(Page<T> page) {
            return new PageBody<>(page.items(), page.nextCursor());
        }
    }

    /** The message when this request's client may read it; another client's message is as good as absent. */
    static Message readable(MessageStore store, Context ctx, String messageId) {
        return store.message(messageId)
                .filter(ApiKeyAuthentication.client(ctx)::reads)
                .orElseThrow(() -> ApiException.notFound("message_not_found", "no message has this id"));
    }

    /** {@code ?carrier=&since=&until=} or {@code ?status=&createdAfter=}: exactly one of the two forms. */
    void messages(Context ctx) {
        QueryParameters query = QueryParameters.parse(ctx.queryString());
        boolean byCarrier = query.has("carrier") || query.has("since") || query.has("until");
        boolean byStatus = query.has("status") || query.has("createdAfter");
        if (byCarrier && byStatus) {
            throw ApiException.invalidParameter(
                    query.has("status") ? "status" : "createdAfter",
                    "give either carrier, since and until, or status and createdAfter, not both");
        }
        if (!byCarrier && !byStatus) {
            throw ApiException.invalidParameter("carrier", "give carrier, since and until, or status and createdAfter");
        }
        PageRequest page = query.page(ApiKeyAuthentication.client(ctx).audience());
        Page<Message> result;
        if (byCarrier) {
            CarrierType carrier = query.carrier("carrier");
            Instant since = query.instant("since");
            Instant until = query.instant("until");
            if (!since.isBefore(until)) {
                throw ApiException.invalidParameter("until", "until must be later than since");
            }
            result = store.messagesByCarrier(carrier, since, until, page);
        } else {
            MessageStatus status = query.status("status");
            result = store.messagesByStatus(status, query.instant("createdAfter"), page);
        }
        JsonBody.write(ctx, 200, PageBody.of(result.map(media::view)));
    }

    void conversations(Context ctx) {
        QueryParameters query = QueryParameters.parse(ctx.queryString());
        String participant =
                query.optional("participant").map(QueryRoutes::participant).orElse(null);
        Page<Conversation> result = store.conversations(participant, query.page(Audience.EVERYONE));
        JsonBody.write(ctx, 200, PageBody.of(result));
    }

    void conversation(Context ctx) {
        JsonBody.write(ctx, 200, existingConversation(ctx.pathParam("conversationId")));
    }

    void conversationMessages(Context ctx) {
        QueryParameters query = QueryParameters.parse(ctx.queryString());
        Conversation conversation = existingConversation(ctx.pathParam("conversationId"));
        PageRequest page = query.page(ApiKeyAuthentication.client(ctx).audience());
        JsonBody.write(
                ctx,
                200,
                PageBody.of(store.conversationMessages(conversation.conversationId(), page)
                        .map(media::view)));
    }

    private Conversation existingConversation(String conversationId) {
        return store.conversation(conversationId)
                .orElseThrow(() -> ApiException.notFound("conversation_not_found", "no conversation has this id"));
    }

    /**
     * Participants are stored as E.164 numbers (or {@code carrier:id}). A literal {@code +} in a query string
     * decodes to a space, so {@code ?participant=+14155550100} arrives as {@code " 14155550100"}; both forms
     * are read as the number. Other values are matched as given.
     */
    static String participant(String raw) {
        if (raw.startsWith("+") || raw.startsWith(" ")) {
            String e164 = PhoneNumber.e164(raw.strip().startsWith("+") ? raw.strip() : "+" + raw.strip());
            return e164 == null ? raw : e164;
        }
        return raw;
    }
}
