package io.omniservice.bench;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads the string members at a few dotted paths of a JSON document ({@code "id"},
 * {@code "data.carrierMessageId"}) and checks the rest is well-formed JSON without keeping it: the bench
 * jar carries no JSON library so that it runs alone. Members at other paths or of other types are skipped.
 */
final class JsonStrings {
    private static final Pattern LITERAL = Pattern.compile("true|false|null|-?(0|[1-9]\\d*)(\\.\\d+)?([eE][+-]?\\d+)?");

    private final String json;
    private final Set<String> wanted;
    private final Map<String, String> found = new HashMap<>();
    private int at;

    private JsonStrings(String json, Set<String> wanted) {
        this.json = json;
        this.wanted = wanted;
    }

    /** The wanted paths that hold a string; throws {@link IllegalArgumentException} on malformed JSON. */
    static Map<String, String> read(String json, String... paths) {
        JsonStrings reader = new JsonStrings(json, Set.of(paths));
        reader.value("");
        reader.space();
        if (reader.at != json.length()) {
            throw reader.error("trailing characters");
        }
        return reader.found;
    }

    private void value(String path) {
        space();
        switch (peek()) {
            case '{' -> members(path);
            case '[' -> elements(path);
            case '"' -> {
                String text = string();
                if (wanted.contains(path)) {
                    found.put(path, text);
                }
            }
            default -> {
                int from = at;
                while (at < json.length() && ",}] \t\r\n".indexOf(json.charAt(at)) < 0) {
                    at++;
                }
                if (!LITERAL.matcher(json.substring(from, at)).matches()) {
                    throw error("bad literal");
                }
            }
        }
    }

    private void members(String path) {
        at++;
        space();
        if (peek() == '}') {
            at++;
            return;
        }
        do {
            space();
            String key = string();
            space();
            expect(':');
            value(path.isEmpty() ? key : path + "." + key);
        } while (more('}'));
    }

    private void elements(String path) {
        at++;
        space();
        if (peek() == ']') {
            at++;
            return;
        }
        do {
            value(path + "[]");
        } while (more(']'));
    }

    /** After a member or element: true on a comma, false on the container's {@code close}. */
    private boolean more(char close) {
        space();
        char c = next();
        if (c != ',' && c != close) {
            throw error("expected , or " + close);
        }
        return c == ',';
    }

    private String string() {
        expect('"');
        StringBuilder text = new StringBuilder();
        for (char c = next(); c != '"'; c = next()) {
            if (c < 0x20) {
                throw error("control character in string");
            }
            if (c != '\\') {
                text.append(c);
                continue;
            }
            char escape = next();
            switch (escape) {
                case '"', '\\', '/' -> text.append(escape);
                case 'b' -> text.append('\b');
                case 'f' -> text.append('\f');
                case 'n' -> text.append('\n');
                case 'r' -> text.append('\r');
                case 't' -> text.append('\t');
                case 'u' -> {
                    if (at + 4 > json.length()) {
                        throw error("short \\u escape");
                    }
                    text.append((char) Integer.parseInt(json.substring(at, at + 4), 16));
                    at += 4;
                }
                default -> throw error("bad escape");
            }
        }
        return text.toString();
    }

    private void space() {
        while (at < json.length() && " \t\r\n".indexOf(json.charAt(at)) >= 0) {
            at++;
        }
    }

    private void expect(char c) {
        if (next() != c) {
            throw error("expected " + c);
        }
    }

    private char peek() {
        if (at >= json.length()) {
            throw error("unexpected end");
        }
        return json.charAt(at);
    }

    private char next() {
        char c = peek();
        at++;
        return c;
    }

    private IllegalArgumentException error(String problem) {
        return new IllegalArgumentException(problem + " at offset " + at);
    }
}
