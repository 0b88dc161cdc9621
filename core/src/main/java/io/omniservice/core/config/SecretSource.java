package io.omniservice.core.config;

import java.time.Duration;

/**
 * Where configuration values written as references (such as {@code secretsmanager:omni/twilio#authToken})
 * get their values, so credentials live in a secret store rather than in the file. Values may change
 * while the gateway runs (a rotated secret): the gateway reads them again every {@link #refreshInterval()}.
 */
public interface SecretSource {
    /** Whether {@code value} is written as a reference to this source rather than as the value itself. */
    boolean isReference(String value);

    /**
     * The current value {@code reference} stands for, read from the store at most once per refresh interval.
     *
     * @throws IllegalArgumentException when {@code reference} is not written the way this source reads
     * @throws SecretUnavailableException when the secret or its key cannot be had; the message names the
     *     secret, never a value
     */
    String resolve(String reference);

    /** How long a value read from the store is used before it is read again. */
    Duration refreshInterval();
}
