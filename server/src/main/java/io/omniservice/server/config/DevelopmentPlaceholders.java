package io.omniservice.server.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds secrets still holding the example file's development placeholders (values starting with
 * {@code dev-}), so start-up can warn that anyone who reads the example config can forge those requests.
 */
public final class DevelopmentPlaceholders {
    public static final String PREFIX = "dev-";

    private DevelopmentPlaceholders() {}

    /** The keys (dotted paths, never the values) whose value is a development placeholder. */
    public static List<String> in(GatewayConfig config) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < config.api().keys().size(); i++) {
            if (config.api().keys().get(i).key().startsWith(PREFIX)) {
                keys.add("api.keys[" + i + "].key");
            }
        }
        config.carriers().values().stream()
                .flatMap(accounts -> accounts.values().stream())
                .flatMap(settings -> settings.values().entrySet().stream()
                        .filter(value -> value.getValue() instanceof String text && text.startsWith(PREFIX))
                        .map(value -> settings.path() + "." + value.getKey()))
                .sorted()
                .forEach(keys::add);
        return keys;
    }
}
