package io.omniservice.core.model;

import java.util.List;
import java.util.Map;

/**
 * What a carrier can carry, as the seed's {@code CarrierCapabilities}; {@code maxMediaSize} in bytes.
 *
 * @param mediaSizeLimits tighter limits for some types, by type or by prefix ({@code "image/"}): WhatsApp
 *     takes documents up to 100 MB but images only up to 5 MB
 */
public record CarrierCapabilities(
        boolean supportsText,
        boolean supportsMedia,
        boolean supportsTemplates,
        boolean supportsInteractive,
        boolean supportsLocation,
        long maxMediaSize,
        List<String> supportedMediaTypes,
        int maxTextLength,
        Map<String, Long> mediaSizeLimits) {
    public CarrierCapabilities {
        supportedMediaTypes = List.copyOf(supportedMediaTypes);
        mediaSizeLimits = Map.copyOf(mediaSizeLimits);
    }

    public CarrierCapabilities(
            boolean supportsText,
            boolean supportsMedia,
            boolean supportsTemplates,
            boolean supportsInteractive,
            boolean supportsLocation,
            long maxMediaSize,
            List<String> supportedMediaTypes,
            int maxTextLength) {
        this(
                supportsText,
                supportsMedia,
                supportsTemplates,
                supportsInteractive,
                supportsLocation,
                maxMediaSize,
                supportedMediaTypes,
                maxTextLength,
                Map.of());
    }

    /** The largest file of this type the carrier takes: its exact type's limit, its prefix's, or the general one. */
    public long maxMediaSize(String contentType) {
        if (contentType == null) {
            return maxMediaSize;
        }
        Long exact = mediaSizeLimits.get(contentType);
        if (exact != null) {
            return exact;
        }
        int slash = contentType.indexOf('/');
        Long byPrefix = slash < 0 ? null : mediaSizeLimits.get(contentType.substring(0, slash + 1));
        return byPrefix != null ? byPrefix : maxMediaSize;
    }
}
