package io.omniservice.aws.dynamo;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/**
 * Instants as DynamoDB keeps them: ISO-8601 UTC with exactly six fraction digits
 * ({@code 2026-03-01T10:15:30.123456Z}), so the string order of a key is time order and a value reads as a
 * time in the console. Microseconds, as the JDBC store keeps them, so every store returns the same instants.
 */
public final class SortableTime {
    private static final DateTimeFormatter FORMAT =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Instant EARLIEST = Instant.parse("0000-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59.999999Z");

    private SortableTime() {}

    /** The instant at the precision stored. */
    public static Instant stored(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * The instant as a key or attribute.
     *
     * @throws IllegalArgumentException outside years 0000–9999, where the text would no longer sort
     */
    public static String format(Instant instant) {
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
            throw new IllegalArgumentException("a stored time must fall in the years 0000 to 9999: " + instant);
        }
        return FORMAT.format(stored(instant));
    }

    public static Instant parse(String text) {
        return text == null ? null : Instant.parse(text);
    }
}
