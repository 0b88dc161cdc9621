package io.omniservice.bench;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** A bench tool's command line: {@code --name value} pairs, checked against the names the tool knows. */
final class Flags {
    private final Map<String, String> values = new HashMap<>();
    private final String usage;

    /** Exits with the usage line on an unknown flag or one without a value. */
    Flags(String[] args, String usage, String... names) {
        this.usage = usage;
        Set<String> known = Set.of(names);
        for (int i = 0; i < args.length; i += 2) {
            String name = args[i].startsWith("--") ? args[i].substring(2) : "";
            if (!known.contains(name) || i + 1 >= args.length) {
                throw fail("unexpected argument " + args[i]);
            }
            values.put(name, args[i + 1]);
        }
    }

    String text(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    URI uri(String name, String fallback) {
        try {
            return URI.create(text(name, fallback));
        } catch (IllegalArgumentException e) {
            throw fail("--" + name + ": " + e.getMessage());
        }
    }

    /** An integer flag of at least {@code min}. */
    int number(String name, int fallback, int min) {
        String raw = values.get(name);
        int value;
        try {
            value = raw == null ? fallback : Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw fail("--" + name + " is not a number: " + raw);
        }
        if (value < min) {
            throw fail("--" + name + " must be at least " + min);
        }
        return value;
    }

    Duration seconds(String name, int fallback, int min) {
        return Duration.ofSeconds(number(name, fallback, min));
    }

    /** Prints the problem and the usage line and exits with status 2; returns only to be thrown by callers. */
    IllegalStateException fail(String problem) {
        System.err.println("bench: " + problem);
        System.err.println("usage: " + usage);
        System.exit(2);
        return new IllegalStateException(problem);
    }
}
