package io.omniservice.server.http;

import io.omniservice.core.model.ApiError;
import java.util.Map;

/**
 * A route's answer for a request it cannot serve (bad parameter, unknown id, missing key), carried to
 * {@link ErrorResponses}, which writes it; {@code headers} go out with it ({@code WWW-Authenticate}).
 */
public final class ApiException extends RuntimeException {
    private final ApiError error;
    private final Map<String, String> headers;

    public ApiException(ApiError error, Map<String, String> headers) {
        super(error.message(), null, false, false);
        this.error = error;
        this.headers = Map.copyOf(headers);
    }

    public ApiException(ApiError error) {
        this(error, Map.of());
    }

    /** A query or path parameter that is missing or not what the contract allows; names the field. */
    public static ApiException invalidParameter(String field, String message) {
        return new ApiException(new ApiError(400, "invalid_parameter", message, field));
    }

    /** A body field that is missing or not what the contract allows: "{field} {what is wrong}". */
    public static ApiException invalidField(String field, String message) {
        return new ApiException(new ApiError(400, "invalid_request", field + " " + message, field));
    }

    public static ApiException notFound(String code, String message) {
        return new ApiException(new ApiError(404, code, message));
    }

    public ApiError error() {
        return error;
    }

    public Map<String, String> headers() {
        return headers;
    }
}
