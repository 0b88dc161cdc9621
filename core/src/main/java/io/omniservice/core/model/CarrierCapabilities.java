package io.omniservice.core.model;

import java.util.List;

/** What a carrier can carry, as the seed's {@code CarrierCapabilities}; {@code maxMediaSize} in bytes. */
public record CarrierCapabilities(
        boolean supportsText,
        boolean supportsMedia,
        boolean supportsTemplates,
        boolean supportsInteractive,
        boolean supportsLocation,
        long maxMediaSize,
        List<String> supportedMediaTypes,
        int maxTextLength) {
    public CarrierCapabilities {
        supportedMediaTypes = List.copyOf(supportedMediaTypes);
    }
}
