package io.omniservice.core.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads a rule from its JSON form (the YAML config and {@code POST /v1/rules} share it) and writes it back in the
 * same shape. Everything is checked, unknown fields included, so a typo fails loudly instead of silently
 * widening a rule.
 */
public final class RuleParser {
    private static final Set<String> RULE_FIELDS = Set.of("id", "name", "priority", "match", "actions", "stop");
    private static final Set<String> MATCH_FIELDS =
            Set.of("carriers", "ourNumbers", "keywords", "pattern", "senderPrefixes", "window");
    private static final Set<String> WINDOW_FIELDS = Set.of("zone", "days", "from", "to", "outside");
    private static final List<String> ACTION_TYPES = List.of("reply", "forward", "tag", "state");

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9 ._-]{1,64}");
    private static final Pattern TAG = Pattern.compile("[a-z0-9_-]{1,32}");
    private static final Pattern STATE = Pattern.compile("[a-z_]{1,32}");
    private static final Pattern REPEAT_COUNT = Pattern.compile("\\{(\\d{1,4})(?:,(\\d{0,4}))?}");
    private static final int MAX_REPLY_CHARS = 1600;
    /** The longest {@code match.pattern} accepted. */
    public static final int MAX_PATTERN_CHARS = 1000;
    /** The most copies nested counted repetitions may make of one part of a pattern. */
    public static final int MAX_REPEATED_COPIES = 1000;

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm").withResolverStyle(ResolverStyle.STRICT);

    private RuleParser() {}

    /**
     * The rule {@code node} describes, stored under {@code id} (null for a rule not stored yet). An {@code id}
     * field in the JSON is accepted, so a rule read back can be posted again, but {@code id} wins.
     */
    public static Rule parse(JsonNode node, String id) {
        if (node == null || !node.isObject()) {
            throw new InvalidRuleException(null, "a rule must be a JSON object");
        }
        checkFields(node, "", RULE_FIELDS);
        var name = text(required(node, "name", "a name"), "name");
        if (!NAME.matcher(name).matches() || name.isBlank()) {
            throw new InvalidRuleException("name", "must be 1 to 64 letters, digits, spaces, '.', '_' or '-'");
        }
        var priority = optional(node, "priority");
        if (priority != null && !(priority.isIntegralNumber() && priority.canConvertToInt())) {
            throw new InvalidRuleException("priority", "must be a whole number (lower runs first)");
        }
        var match = optional(node, "match");
        return new Rule(
                id,
                name,
                priority == null ? Rule.DEFAULT_PRIORITY : priority.intValue(),
                match == null ? RuleMatch.ANY : parseMatch(match),
                parseActions(required(node, "actions", "a list of at least one action")),
                flag(node, "stop", ""));
    }

    /** {@code rule} in the JSON shape {@link #parse} reads, with its id when it has one. */
    public static ObjectNode toJson(Rule rule) {
        var json = Json.MAPPER.createObjectNode();
        if (rule.id() != null) {
            json.put("id", rule.id());
        }
        json.put("name", rule.name()).put("priority", rule.priority());
        json.set("match", matchJson(rule.match()));
        var actions = json.putArray("actions");
        rule.actions().forEach(action -> actions.add(actionJson(action)));
        json.put("stop", rule.stop());
        return json;
    }

    private static RuleMatch parseMatch(JsonNode node) {
        object(node, "match");
        checkFields(node, "match.", MATCH_FIELDS);
        var carriers = strings(node, "match.", "carriers", (value, field) -> CarrierType.fromWireName(value)
                .orElseThrow(() -> new InvalidRuleException(
                        field,
                        "unknown carrier \"" + value + "\"; expected one of "
                                + Arrays.stream(CarrierType.values())
                                        .map(CarrierType::wireName)
                                        .collect(Collectors.joining(", ")))));
        var ourNumbers = strings(node, "match.", "ourNumbers", RuleParser::nonBlank);
        var keywords = strings(node, "match.", "keywords", (value, field) -> {
            if (!value.matches("\\S+") || value.matches(".*[.!?,]")) {
                throw new InvalidRuleException(
                        field, "must be a single word without spaces or trailing punctuation, as in \"HOURS\"");
            }
            return value;
        });
        var senderPrefixes = strings(node, "match.", "senderPrefixes", RuleParser::nonBlank);
        var window = optional(node, "window");
        return new RuleMatch(
                new LinkedHashSet<>(carriers),
                new LinkedHashSet<>(ourNumbers),
                new LinkedHashSet<>(keywords),
                pattern(optional(node, "pattern")),
                senderPrefixes,
                window == null ? null : parseWindow(window));
    }

    /**
     * A client's pattern runs on RE2/J, whose matching time grows linearly with the text: on a backtracking
     * engine one pattern such as {@code ^(?:(?:a|a)+)+b} made every inbound message take seconds. RE2 has no
     * backreferences or lookaround; a pattern that uses them is refused rather than read differently.
     */
    private static com.google.re2j.Pattern pattern(JsonNode node) {
        if (node == null) {
            return null;
        }
        var regex = text(node, "match.pattern");
        if (regex.length() > MAX_PATTERN_CHARS) {
            throw new InvalidRuleException(
                    "match.pattern",
                    "is " + regex.length() + " characters long; at most " + MAX_PATTERN_CHARS + " are accepted");
        }
        long copies = repeatedCopies(regex);
        if (copies > MAX_REPEATED_COPIES) {
            throw new InvalidRuleException(
                    "match.pattern",
                    "repeats a part " + copies + " times once nested counts are multiplied; at most "
                            + MAX_REPEATED_COPIES + " are accepted");
        }
        try {
            return com.google.re2j.Pattern.compile(regex);
        } catch (com.google.re2j.PatternSyntaxException e) {
            throw new InvalidRuleException(
                    "match.pattern",
                    "is not a regular expression this gateway runs (" + e.getDescription()
                            + "); RE2 syntax is accepted, without backreferences or lookaround,"
                            + " e.g. \"(?i)refund\"");
        }
    }

    /**
     * The most copies of one part the pattern's counted repetitions ({@code {n}}, {@code {n,m}}) make, nested
     * counts multiplied: RE2 compiles each copy, so {@code ((a{100}){100}){100}} is a million instructions that
     * take a second to build and slow every match, short as the text is.
     */
    private static long repeatedCopies(String regex) {
        var groups = new java.util.ArrayDeque<long[]>();
        groups.push(new long[] {1});
        long last = 1; // copies within the atom just read
        long most = 1;
        for (int i = 0; i < regex.length(); i++) {
            char c = regex.charAt(i);
            if (c == '\\') {
                i++;
                last = 1;
            } else if (c == '[') {
                int j = i + 1;
                if (j < regex.length() && regex.charAt(j) == '^') {
                    j++;
                }
                if (j < regex.length() && regex.charAt(j) == ']') {
                    j++;
                }
                while (j < regex.length() && regex.charAt(j) != ']') {
                    j += regex.charAt(j) == '\\' ? 2 : 1;
                }
                i = j;
                last = 1;
            } else if (c == '(') {
                groups.push(new long[] {1});
                continue;
            } else if (c == ')' && groups.size() > 1) {
                last = groups.pop()[0];
            } else if (c == '{') {
                var count = REPEAT_COUNT.matcher(regex).region(i, regex.length());
                if (count.lookingAt()) {
                    long n = Long.parseLong(count.group(1));
                    if (count.group(2) != null && !count.group(2).isEmpty()) {
                        n = Math.max(n, Long.parseLong(count.group(2)));
                    }
                    last = Math.min(last * Math.max(n, 1), Long.MAX_VALUE / 10_000);
                    i = count.end() - 1;
                } else {
                    last = 1;
                }
            } else if (c != '*' && c != '+' && c != '?' && c != '|') {
                last = 1;
            }
            long[] group = groups.peek();
            group[0] = Math.max(group[0], last);
            most = Math.max(most, last);
        }
        return most;
    }

    private static TimeWindow parseWindow(JsonNode node) {
        object(node, "match.window");
        checkFields(node, "match.window.", WINDOW_FIELDS);
        var zoneName = text(
                required(node, "zone", "a time zone such as \"America/New_York\"", "match.window."),
                "match.window.zone");
        ZoneId zone;
        try {
            zone = ZoneId.of(zoneName);
        } catch (DateTimeException e) {
            throw new InvalidRuleException(
                    "match.window.zone", "unknown time zone \"" + zoneName + "\"; expected e.g. \"America/New_York\"");
        }
        var days = strings(node, "match.window.", "days", RuleParser::day);
        if (days.isEmpty() && optional(node, "days") != null) {
            throw new InvalidRuleException(
                    "match.window.days", "must list at least one day, or be left out for every day");
        }
        return new TimeWindow(
                zone,
                new LinkedHashSet<>(days),
                time(node, "from"),
                time(node, "to"),
                flag(node, "outside", "match.window."));
    }

    private static DayOfWeek day(String value, String field) {
        return Arrays.stream(DayOfWeek.values())
                .filter(day -> dayName(day).equalsIgnoreCase(value))
                .findFirst()
                .orElseThrow(() -> new InvalidRuleException(
                        field, "unknown day \"" + value + "\"; expected one of MON, TUE, WED, THU, FRI, SAT, SUN"));
    }

    private static String dayName(DayOfWeek day) {
        return day.name().substring(0, 3);
    }

    private static LocalTime time(JsonNode window, String name) {
        var field = "match.window." + name;
        var value = text(required(window, name, "a local time HH:mm", "match.window."), field);
        try {
            return LocalTime.parse(value, TIME);
        } catch (DateTimeParseException e) {
            throw new InvalidRuleException(
                    field, "\"" + value + "\" is not a time; expected HH:mm from 00:00 to 23:59");
        }
    }

    private static List<RuleAction> parseActions(JsonNode node) {
        if (!node.isArray() || node.isEmpty()) {
            throw new InvalidRuleException("actions", "must be a list of at least one action");
        }
        var actions = new ArrayList<RuleAction>();
        for (int i = 0; i < node.size(); i++) {
            actions.add(parseAction(node.get(i), "actions[" + i + "]"));
        }
        return actions;
    }

    private static RuleAction parseAction(JsonNode node, String field) {
        object(node, field);
        var prefix = field + ".";
        var type = text(required(node, "type", "one of " + String.join(", ", ACTION_TYPES), prefix), prefix + "type");
        return switch (type) {
            case "reply" -> {
                checkFields(node, prefix, Set.of("type", "text"));
                var text = text(required(node, "text", "the reply's text", prefix), prefix + "text");
                if (text.isBlank() || text.length() > MAX_REPLY_CHARS) {
                    throw new InvalidRuleException(
                            prefix + "text", "must be 1 to " + MAX_REPLY_CHARS + " characters, not blank");
                }
                yield new RuleAction.Reply(text);
            }
            case "forward" -> {
                checkFields(node, prefix, Set.of("type", "url"));
                yield new RuleAction.Forward(url(
                        text(required(node, "url", "an http or https URL", prefix), prefix + "url"), prefix + "url"));
            }
            case "tag" -> {
                checkFields(node, prefix, Set.of("type", "tag"));
                var tag = text(required(node, "tag", "a tag", prefix), prefix + "tag")
                        .toLowerCase(Locale.ROOT);
                if (!TAG.matcher(tag).matches()) {
                    throw new InvalidRuleException(
                            prefix + "tag", "must be 1 to 32 letters, digits, '_' or '-' (stored in lower case)");
                }
                yield new RuleAction.Tag(tag);
            }
            case "state" -> {
                checkFields(node, prefix, Set.of("type", "state"));
                var state = text(required(node, "state", "a conversation state", prefix), prefix + "state");
                if (!STATE.matcher(state).matches()) {
                    throw new InvalidRuleException(prefix + "state", "must be 1 to 32 lower-case letters or '_'");
                }
                yield new RuleAction.SetState(state);
            }
            default ->
                throw new InvalidRuleException(
                        prefix + "type",
                        "unknown action type \"" + type + "\"; expected one of " + String.join(", ", ACTION_TYPES));
        };
    }

    private static URI url(String value, String field) {
        URI url;
        try {
            url = new URI(value);
        } catch (URISyntaxException e) {
            throw new InvalidRuleException(field, "is not a valid URL; expected e.g. \"https://example.com/hook\"");
        }
        var scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
            throw new InvalidRuleException(
                    field, "must be an absolute http or https URL with a host, e.g. \"https://example.com/hook\"");
        }
        return url;
    }

    private static ObjectNode matchJson(RuleMatch match) {
        var json = Json.MAPPER.createObjectNode();
        putAll(
                json,
                "carriers",
                match.carriers().stream().map(CarrierType::wireName).toList());
        putAll(json, "ourNumbers", match.ourNumbers());
        putAll(json, "keywords", match.keywords());
        if (match.pattern() != null) {
            json.put("pattern", match.pattern().pattern());
        }
        putAll(json, "senderPrefixes", match.senderPrefixes());
        var window = match.window();
        if (window != null) {
            var w = json.putObject("window").put("zone", window.zone().getId());
            putAll(w, "days", window.days().stream().map(RuleParser::dayName).toList());
            w.put("from", TIME.format(window.from()))
                    .put("to", TIME.format(window.to()))
                    .put("outside", window.outside());
        }
        return json;
    }

    private static ObjectNode actionJson(RuleAction action) {
        var json = Json.MAPPER.createObjectNode().put("type", action.type());
        return switch (action) {
            case RuleAction.Reply reply -> json.put("text", reply.text());
            case RuleAction.Forward forward -> json.put("url", forward.url().toString());
            case RuleAction.Tag tag -> json.put("tag", tag.tag());
            case RuleAction.SetState state -> json.put("state", state.state());
        };
    }

    private static void putAll(ObjectNode json, String name, Collection<String> values) {
        if (!values.isEmpty()) {
            ArrayNode array = json.putArray(name);
            values.forEach(array::add);
        }
    }

    private static void object(JsonNode node, String field) {
        if (!node.isObject()) {
            throw new InvalidRuleException(field, "must be a JSON object");
        }
    }

    private static void checkFields(JsonNode node, String prefix, Set<String> known) {
        for (var property : node.properties()) {
            var name = property.getKey();
            if (!known.contains(name)) {
                throw new InvalidRuleException(
                        prefix + name,
                        "unknown field; expected one of "
                                + String.join(", ", known.stream().sorted().toList()));
            }
        }
    }

    /** The field's value, or null when it is absent or JSON null. */
    private static JsonNode optional(JsonNode node, String name) {
        var value = node.get(name);
        return value == null || value.isNull() ? null : value;
    }

    private static JsonNode required(JsonNode node, String name, String expected) {
        return required(node, name, expected, "");
    }

    private static JsonNode required(JsonNode node, String name, String expected, String prefix) {
        var value = optional(node, name);
        if (value == null) {
            throw new InvalidRuleException(prefix + name, "is required: " + expected);
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        if (!node.isTextual()) {
            throw new InvalidRuleException(field, "must be a string");
        }
        return node.textValue();
    }

    private static boolean flag(JsonNode node, String name, String prefix) {
        var value = optional(node, name);
        if (value != null && !value.isBoolean()) {
            throw new InvalidRuleException(prefix + name, "must be true or false");
        }
        return value != null && value.booleanValue();
    }

    private static String nonBlank(String value, String field) {
        if (value.isBlank()) {
            throw new InvalidRuleException(field, "must not be blank");
        }
        return value;
    }

    /** The strings listed under {@code name}, each checked by {@code read} with its field path. */
    private static <T> List<T> strings(JsonNode node, String prefix, String name, BiFunction<String, String, T> read) {
        var field = prefix + name;
        var list = optional(node, name);
        if (list == null) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new InvalidRuleException(field, "must be a list of strings");
        }
        var values = new ArrayList<T>();
        for (int i = 0; i < list.size(); i++) {
            var item = field + "[" + i + "]";
            values.add(read.apply(text(list.get(i), item), item));
        }
        return values;
    }
}
