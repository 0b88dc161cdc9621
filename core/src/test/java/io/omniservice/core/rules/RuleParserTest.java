package io.omniservice.core.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.fasterxml.jackson.databind.JsonNode;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import java.io.IOException;
import java.net.URI;
import java.time.DayOfWeek;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RuleParserTest {
    private static final String TAG_ACTION = "{'type': 'tag', 'tag': 'a'}";
    private static final String TAG = "[" + TAG_ACTION + "]";
    private static final String ZONE = "'zone': 'UTC'";
    private static final String FULL = """
            {"id": "r1", "name": "after-hours", "priority": 10,
             "match": {"carriers": ["twilio", "bandwidth"], "ourNumbers": ["+14155550100"], "keywords": ["HOURS", "open"],
                       "pattern": "(?i)refund", "senderPrefixes": ["+44"],
                       "window": {"zone": "America/New_York", "days": ["MON", "FRI"], "from": "22:00", "to": "06:00",
                                  "outside": true}},
             "actions": [{"type": "reply", "text": "We are closed"},
                         {"type": "forward", "url": "https://example.com/hook"},
                         {"type": "tag", "tag": "sales"},
                         {"type": "state", "state": "closed"}],
             "stop": true}
            """;

    @Test
    void aRuleReadsBackAsItWasPosted() {
        var posted = json(FULL);

        var rule = RuleParser.parse(posted, "r1");

        assertThat(RuleParser.toJson(rule)).isEqualTo(posted);
        assertThat(RuleParser.parse(RuleParser.toJson(rule), "r1")).isEqualTo(rule);
    }

    @Test
    void everyFieldIsReadIntoTheModel() {
        var rule = RuleParser.parse(json(FULL), "r1");

        assertThat(rule.priority()).isEqualTo(10);
        assertThat(rule.stop()).isTrue();
        assertThat(rule.match().carriers()).containsExactly(CarrierType.TWILIO, CarrierType.BANDWIDTH);
        assertThat(rule.match().window())
                .isEqualTo(new TimeWindow(
                        ZoneId.of("America/New_York"),
                        Set.of(DayOfWeek.MONDAY, DayOfWeek.FRIDAY),
                        LocalTime.of(22, 0),
                        LocalTime.of(6, 0),
                        true));
        assertThat(rule.actions())
                .containsExactly(
                        new RuleAction.Reply("We are closed"),
                        new RuleAction.Forward(URI.create("https://example.com/hook")),
                        new RuleAction.Tag("sales"),
                        new RuleAction.SetState("closed"));
    }

    @Test
    void aMinimalRuleGetsItsDefaultsWrittenOut() {
        var rule = RuleParser.parse(json("{'name': 'tag it', 'actions': [{'type': 'tag', 'tag': 'VIP'}]}"), null);

        assertThat(RuleParser.toJson(rule))
                .isEqualTo(json("{'name': 'tag it', 'priority': 100, 'match': {},"
                        + " 'actions': [{'type': 'tag', 'tag': 'vip'}], 'stop': false}"));
    }

    @Test
    void aWindowWithoutDaysIsOpenEveryDay() {
        var rule = RuleParser.parse(json(window(ZONE + ", 'from': '09:00', 'to': '17:00'")), null);

        assertThat(rule.match().window().days()).containsExactlyInAnyOrder(DayOfWeek.values());
        assertThat(RuleParser.toJson(rule).at("/match/window/days"))
                .isEqualTo(json("['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN']"));
    }

    @ParameterizedTest
    @MethodSource("invalid")
    void anInvalidRuleIsRefusedNamingTheFieldAndWhatIsExpected(String rule, String field, String detail) {
        var error = catchThrowableOfType(InvalidRuleException.class, () -> RuleParser.parse(json(rule), null));

        assertThat(error).as("refused").isNotNull();
        assertThat(error.field()).isEqualTo(field);
        assertThat(error.detail()).contains(detail);
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                refused("a rule that is not an object", "[]", null, "JSON object"),
                refused("a missing name", "{'actions': " + TAG + "}", "name", "required"),
                refused("a name with a slash", rule("'name': 'a/b'"), "name", "1 to 64"),
                refused("a name longer than 64", rule("'name': '" + "n".repeat(65) + "'"), "name", "1 to 64"),
                refused("no actions", "{'name': 'x', 'actions': []}", "actions", "at least one"),
                refused("missing actions", "{'name': 'x'}", "actions", "at least one"),
                refused("a priority that is text", rule("'priority': 'high'"), "priority", "whole number"),
                refused("stop that is not a boolean", rule("'stop': 'yes'"), "stop", "true or false"),
                refused("an unknown field in the rule", rule("'priorty': 1"), "priorty", "expected one of"),
                refused("an unknown carrier", match("'carriers': ['twillio']"), "match.carriers[0]", "twilio"),
                refused(
                        "a keyword of two words",
                        match("'keywords': ['opening hours']"),
                        "match.keywords[0]",
                        "single word"),
                refused("a bad regex", match("'pattern': '(unclosed'"), "match.pattern", "regular expression"),
                refused("a backreference", match("'pattern': '(a)\\\\1'"), "match.pattern", "backreferences"),
                refused("a lookahead", match("'pattern': 'refund(?=now)'"), "match.pattern", "lookaround"),
                refused("a lookbehind", match("'pattern': '(?<!no )refund'"), "match.pattern", "lookaround"),
                refused("a possessive quantifier", match("'pattern': 'a*+b'"), "match.pattern", "RE2 syntax"),
                refused(
                        "nested counts that multiply to a million copies",
                        match("'pattern': '((a{100}){100}){100}'"),
                        "match.pattern",
                        "at most 1000"),
                refused(
                        "a pattern over 1000 characters",
                        match("'pattern': '" + "a".repeat(1001) + "'"),
                        "match.pattern",
                        "at most 1000"),
                refused("an unknown field in the match", match("'keyword': ['HOURS']"), "match.keyword", "keywords"),
                refused(
                        "a window without zone",
                        window("'from': '09:00', 'to': '17:00'"),
                        "match.window.zone",
                        "required"),
                refused(
                        "an unknown zone",
                        window(ZONE + ", 'from': '09:00', 'to': '17:00'").replace("UTC", "Mars/Olympus"),
                        "match.window.zone",
                        "America/New_York"),
                refused(
                        "an hour of 25",
                        window(ZONE + ", 'from': '25:00', 'to': '17:00'"),
                        "match.window.from",
                        "HH:mm"),
                refused(
                        "a time without minutes",
                        window(ZONE + ", 'from': '09:00', 'to': '9am'"),
                        "match.window.to",
                        "HH:mm"),
                refused("a missing 'to'", window(ZONE + ", 'from': '09:00'"), "match.window.to", "HH:mm"),
                refused(
                        "an unknown day",
                        window(ZONE + ", 'days': ['MON', 'FUNDAY'], 'from': '09:00', 'to': '17:00'"),
                        "match.window.days[1]",
                        "MON, TUE"),
                refused(
                        "an empty list of days",
                        window(ZONE + ", 'days': [], 'from': '09:00', 'to': '17:00'"),
                        "match.window.days",
                        "at least one day"),
                refused(
                        "an unknown field in the window",
                        window(ZONE + ", 'timezone': 'UTC', 'from': '09:00', 'to': '17:00'"),
                        "match.window.timezone",
                        "zone"),
                refused(
                        "an unknown action type",
                        actions(TAG_ACTION + ", {'type': 'email'}"),
                        "actions[1].type",
                        "reply, forward, tag, state"),
                refused("an action without type", actions("{'text': 'hi'}"), "actions[0].type", "required"),
                refused(
                        "an unknown field in an action",
                        actions("{'type': 'reply', 'text': 'hi', 'url': 'x'}"),
                        "actions[0].url",
                        "text"),
                refused("an empty reply", actions("{'type': 'reply', 'text': ' '}"), "actions[0].text", "1 to 1600"),
                refused(
                        "a reply over 1600 characters",
                        actions("{'type': 'reply', 'text': '" + "x".repeat(1601) + "'}"),
                        "actions[0].text",
                        "1 to 1600"),
                refused(
                        "a URL with a space",
                        actions("{'type': 'forward', 'url': 'https://exa mple.com/'}"),
                        "actions[0].url",
                        "valid URL"),
                refused(
                        "a relative URL",
                        actions("{'type': 'forward', 'url': '/hook'}"),
                        "actions[0].url",
                        "http or https"),
                refused(
                        "a forward by ftp",
                        actions("{'type': 'forward', 'url': 'ftp://example.com/x'}"),
                        "actions[0].url",
                        "http or https"),
                refused(
                        "a tag with a space",
                        actions("{'type': 'tag', 'tag': 'big deal'}"),
                        "actions[0].tag",
                        "1 to 32"),
                refused(
                        "a state in capitals",
                        actions("{'type': 'state', 'state': 'Closed'}"),
                        "actions[0].state",
                        "lower-case"));
    }

    private static Arguments refused(String label, String rule, String field, String detail) {
        return argumentSet(label, rule, field, detail);
    }

    /** A valid rule with one more field (or the name replaced). */
    private static String rule(String field) {
        return field.startsWith("'name'")
                ? "{" + field + ", 'actions': " + TAG + "}"
                : "{'name': 'x', 'actions': " + TAG + ", " + field + "}";
    }

    private static String match(String fields) {
        return rule("'match': {" + fields + "}");
    }

    private static String window(String fields) {
        return match("'window': {" + fields + "}");
    }

    private static String actions(String actions) {
        return "{'name': 'x', 'actions': [" + actions + "]}";
    }

    /** JSON written with single quotes, which reads better inside Java strings. */
    private static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text.replace('\'', '"'));
        } catch (IOException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
