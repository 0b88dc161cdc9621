package io.omniservice.server.http;

import io.omniservice.core.carrier.FormBody;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.model.ApiError;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.store.PageRequest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The query parameters of one API request, read the way the contract defines them; anything a client
 * gets wrong is a 400 naming the parameter, never a 500.
 */
final class QueryParameters {
    static final int DEFAULT_LIMIT = 50;

    private final Map<String, List<String>> values;

    private QueryParameters(Map<String, List<String>> values) {
        this.values = values;
    }

    /** Parses the raw query string (Javalin's own parsing fails on a stray {@code %}). */
    static QueryParameters parse(String rawQuery) {
        try {
            return new QueryParameters(FormBody.parse(rawQuery));
        } catch (WebhookRejection e) {
            throw new ApiException(
                    new ApiError(400, "invalid_query", "the query string is not valid percent-encoded data"));
        }
    }

    /** The first value of a parameter; an empty value counts as absent. */
    Optional<String> optional(String name) {
        List<String> given = values.get(name);
        return given == null || given.isEmpty() || given.getFirst().isEmpty()
                ? Optional.empty()
                : Optional.of(given.getFirst());
    }

    boolean has(String name) {
        return optional(name).isPresent();
    }

    String required(String name) {
        return optional(name).orElseThrow(() -> ApiException.invalidParameter(name, name + " is required"));
    }

    /** An ISO-8601 instant: {@code 2026-11-24T12:00:00Z} or with an offset, {@code ...T13:00:00+01:00}. */
    Instant instant(String name) {
        String raw = required(name);
        try {
            return Instant.parse(raw);
        } catch (DateTimeParseException notUtc) {
            try {
                return OffsetDateTime.parse(raw).toInstant();
            } catch (DateTimeParseException e) {
                throw ApiException.invalidParameter(
                        name, name + " must be an ISO-8601 time such as 2026-11-24T12:00:00Z, got '" + raw + "'");
            }
        }
    }

    CarrierType carrier(String name) {
        String raw = required(name);
        return CarrierType.fromWireName(raw)
                .orElseThrow(() -> ApiException.invalidParameter(
                        name,
                        name + " must be one of "
                                + Arrays.stream(CarrierType.values())
                                        .map(CarrierType::wireName)
                                        .toList()
                                + ", got '" + raw + "'"));
    }

    MessageStatus status(String name) {
        String raw = required(name);
        return Arrays.stream(MessageStatus.values())
                .filter(status -> status.wireName().equals(raw))
                .findFirst()
                .orElseThrow(() -> ApiException.invalidParameter(
                        name,
                        name + " must be one of "
                                + Arrays.stream(MessageStatus.values())
                                        .map(MessageStatus::wireName)
                                        .toList()
                                + ", got '" + raw + "'"));
    }

    /**
     * {@code limit} (1 to 500, default 50) and the opaque {@code cursor} of the previous page, of the rows
     * {@code audience} sees.
     */
    PageRequest page(io.omniservice.core.access.Audience audience) {
        int limit = DEFAULT_LIMIT;
        Optional<String> raw = optional("limit");
        if (raw.isPresent()) {
            try {
                limit = Integer.parseInt(raw.get());
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > PageRequest.MAX_LIMIT) {
                throw ApiException.invalidParameter(
                        "limit", "limit must be a whole number from 1 to " + PageRequest.MAX_LIMIT);
            }
        }
        return new PageRequest(limit, optional("cursor").orElse(null), audience);
    }
}
