package io.omniservice.core.config;

/** Configuration that cannot work; the message names the key (as a dotted path) and what is wrong. */
public class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String problem) {
        super(key + ": " + problem);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
