package io.omniservice.aws.dynamo;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Reading and writing single attributes of items, where an absent attribute stands for null. */
final class Items {
    private Items() {}

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue time(Instant value) {
        return AttributeValue.fromS(SortableTime.format(value));
    }

    /** Puts {@code value} under {@code name} unless it is null (DynamoDB keeps no null strings worth having). */
    static void putString(Map<String, AttributeValue> item, String name, String value) {
        if (value != null) {
            item.put(name, s(value));
        }
    }

    static void putTime(Map<String, AttributeValue> item, String name, Instant value) {
        if (value != null) {
            item.put(name, time(value));
        }
    }

    static String string(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    static Instant instant(Map<String, AttributeValue> item, String name) {
        return SortableTime.parse(string(item, name));
    }

    static long number(Map<String, AttributeValue> item, String name, long absent) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? absent : Long.parseLong(value.n());
    }

    /**
     * An item's size as DynamoDB counts it, near enough to keep under its limits: the UTF-8 length of each
     * attribute name and value, plus a little for each number and each item.
     */
    static long size(Map<String, AttributeValue> item) {
        long bytes = 100;
        for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
            bytes += utf8(attribute.getKey()) + size(attribute.getValue());
        }
        return bytes;
    }

    private static long size(AttributeValue value) {
        if (value.s() != null) {
            return utf8(value.s());
        }
        if (value.n() != null) {
            return 21;
        }
        if (value.b() != null) {
            return value.b().asByteArray().length;
        }
        if (value.hasL()) {
            return 3
                    + value.l().stream().mapToLong(Items::size).sum()
                    + value.l().size();
        }
        if (value.hasM()) {
            return 3 + size(value.m());
        }
        if (value.hasSs()) {
            return value.ss().stream().mapToLong(Items::utf8).sum();
        }
        return 1;
    }

    private static long utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }
}
