package io.omniservice.core.rules;

import static io.omniservice.core.model.CarrierType.BANDWIDTH;
import static io.omniservice.core.model.CarrierType.TWILIO;
import static io.omniservice.core.model.CarrierType.WHATSAPP;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import com.google.re2j.Pattern;
import io.omniservice.core.model.CarrierType;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RuleMatchingTest {
    private static final String OUR = "+14155550100";
    // A Wednesday: 10:30 in New York, 15:30 in London, 23:30 in Tokyo.
    private static final String WED_1430Z = "2025-06-11T14:30:00Z";
    private static final RuleInput BASE =
            new RuleInput(TWILIO, OUR, "+447700900123", "hello there", Instant.parse(WED_1430Z));

    @ParameterizedTest
    @MethodSource("cases")
    void ruleMatchesExactlyTheMessagesItDescribes(RuleMatch match, RuleInput input, boolean expected) {
        assertThat(match.matches(input)).isEqualTo(expected);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                // One condition at a time.
                when("a listed carrier matches", carriers(TWILIO, BANDWIDTH), BASE, true),
                when("an unlisted carrier does not", carriers(WHATSAPP), BASE, false),
                when("our number matches exactly", ourNumbers(OUR), BASE, true),
                when("another of our numbers does not", ourNumbers("+14155550199"), BASE, false),
                when("a keyword matches the first word in any case", keywords("HOURS"), body("hours please"), true),
                when("a keyword ignores trailing punctuation", keywords("HOURS", "OPEN"), body("  Open?! today"), true),
                when("a keyword ignores a trailing comma", keywords("HOURS"), body("hours, please"), true),
                when("a keyword later in the body does not match", keywords("HOURS"), body("your hours?"), false),
                when("a keyword is a whole word", keywords("HOURS"), body("hoursly"), false),
                when("a keyword never matches a message without body", keywords("HOURS"), body(null), false),
                when("a pattern is found anywhere in the body", pattern("(?i)refund"), body("A Refund pls"), true),
                when("a pattern not found does not match", pattern("(?i)refund"), body("hello"), false),
                when("a pattern never matches a message without body", pattern(".*"), body(null), false),
                when("a sender prefix matches", senderPrefixes("+1", "+44"), BASE, true),
                when("another sender prefix does not", senderPrefixes("+1"), BASE, false),
                when("a sender prefix needs a sender", senderPrefixes("+44"), sender(null), false),
                when("an empty match matches anything", RuleMatch.ANY, body(null), true),
                // Conditions combine with AND.
                when(
                        "all conditions holding match",
                        all(carriers(TWILIO), keywords("HOURS"), officeHours()),
                        body("HOURS"),
                        true),
                when(
                        "a failing carrier fails the rest",
                        all(carriers(WHATSAPP), keywords("HOURS")),
                        body("HOURS"),
                        false),
                when("a failing keyword fails the rest", all(carriers(TWILIO), keywords("OPEN")), body("HOURS"), false),
                when(
                        "a failing window fails the rest",
                        all(keywords("HOURS"), outside(officeHours())),
                        body("HOURS"),
                        false),
                // The same instant in different zones.
                when(
                        "14:30Z is office hours in New York",
                        window("America/New_York", "", "09:00", "17:00"),
                        BASE,
                        true),
                when("14:30Z is office hours in London", window("Europe/London", "", "09:00", "17:00"), BASE, true),
                when("14:30Z is night in Tokyo", window("Asia/Tokyo", "", "09:00", "17:00"), BASE, false),
                when("a day not listed is out", window("America/New_York", "MON,TUE", "09:00", "17:00"), BASE, false),
                when("the window closes at 'to'", window("UTC", "", "09:00", "14:30"), BASE, false),
                when("the window opens at 'from'", window("UTC", "", "14:30", "15:00"), BASE, true),
                // A Friday-night window in New York (EDT, UTC-4).
                when("Friday 23:00 is in", fridayNight(), at("2025-06-14T03:00:00Z"), true),
                when("Saturday 01:00 is in", fridayNight(), at("2025-06-14T05:00:00Z"), true),
                when("Saturday 06:00 is out", fridayNight(), at("2025-06-14T10:00:00Z"), false),
                when("Friday 01:00 is Thursday's night", fridayNight(), at("2025-06-13T05:00:00Z"), false),
                when("Monday 01:00 is out", fridayNight(), at("2025-06-16T05:00:00Z"), false),
                // Inverted windows, for after-hours replies.
                when("outside is false in hours", outside(officeHours()), BASE, false),
                when("outside is true in the evening", outside(officeHours()), at("2025-06-11T23:00:00Z"), true),
                when("outside is true at the weekend", outside(officeHours()), at("2025-06-14T14:30:00Z"), true),
                // from == to is the whole day.
                when(
                        "from == to covers the whole day",
                        window("America/New_York", "WED", "12:00", "12:00"),
                        at("2025-06-11T04:30:00Z"),
                        true),
                when(
                        "from == to is only the listed days",
                        window("America/New_York", "WED", "12:00", "12:00"),
                        at("2025-06-12T04:30:00Z"),
                        false),
                // DST in New York: 2025-03-09 02:00 EST became 03:00 EDT; 2025-11-02 02:00 EDT became 01:00 EST.
                when(
                        "13:30Z is 08:30 the day before spring",
                        window("America/New_York", "", "09:00", "17:00"),
                        at("2025-03-08T13:30:00Z"),
                        false),
                when(
                        "13:30Z is 09:30 on the spring day",
                        window("America/New_York", "", "09:00", "17:00"),
                        at("2025-03-09T13:30:00Z"),
                        true),
                when(
                        "a night window closes at 06:00 EDT",
                        window("America/New_York", "SAT", "22:00", "06:00"),
                        at("2025-03-09T10:00:00Z"),
                        false),
                when(
                        "a night window is open at 05:59 EDT",
                        window("America/New_York", "SAT", "22:00", "06:00"),
                        at("2025-03-09T09:59:00Z"),
                        true),
                when(
                        "the first 01:30 of autumn is in",
                        window("America/New_York", "", "01:00", "02:00"),
                        at("2025-11-02T05:30:00Z"),
                        true),
                when(
                        "the repeated 01:30 of autumn is in",
                        window("America/New_York", "", "01:00", "02:00"),
                        at("2025-11-02T06:30:00Z"),
                        true),
                when(
                        "02:30 EST of autumn is out",
                        window("America/New_York", "", "01:00", "02:00"),
                        at("2025-11-02T07:30:00Z"),
                        false));
    }

    @Test
    void bookEvaluatesByPriorityThenNameThenId() {
        var book = RuleBook.of(List.of(
                rule("1", "late", 100, RuleMatch.ANY, false),
                rule("2", "b", 10, RuleMatch.ANY, false),
                rule("4", "a", 10, RuleMatch.ANY, false),
                rule("3", "a", 10, RuleMatch.ANY, false),
                rule("5", "urgent", -1, RuleMatch.ANY, false)));

        assertThat(book.rules()).extracting(Rule::id).containsExactly("5", "3", "4", "2", "1");
    }

    @Test
    void firingListsTheMatchingRulesInOrder() {
        var book = RuleBook.of(List.of(
                rule("1", "tag-all", 50, RuleMatch.ANY, false),
                rule("2", "whatsapp-only", 10, carriers(WHATSAPP), false),
                rule("3", "hours", 20, keywords("HOURS"), false)));

        assertThat(book.firing(body("hours?"))).extracting(Rule::id).containsExactly("3", "1");
    }

    @Test
    void aFiringStopRuleEndsEvaluationButANonFiringOneDoesNot() {
        var book = RuleBook.of(List.of(
                rule("1", "stop-whatsapp", 10, carriers(WHATSAPP), true),
                rule("2", "stop-hours", 20, keywords("HOURS"), true),
                rule("3", "tag-all", 30, RuleMatch.ANY, false)));

        assertThat(book.firing(body("hours"))).extracting(Rule::id).containsExactly("2");
        assertThat(book.firing(body("hello"))).extracting(Rule::id).containsExactly("3");
    }

    private static Arguments when(String label, RuleMatch match, RuleInput input, boolean expected) {
        return argumentSet(label, match, input, expected);
    }

    private static Rule rule(String id, String name, int priority, RuleMatch match, boolean stop) {
        return new Rule(id, name, priority, match, List.of(new RuleAction.Tag(name)), stop);
    }

    private static RuleInput body(String body) {
        return new RuleInput(BASE.carrier(), OUR, BASE.sender(), body, BASE.receivedAt());
    }

    private static RuleInput sender(String sender) {
        return new RuleInput(BASE.carrier(), OUR, sender, BASE.body(), BASE.receivedAt());
    }

    private static RuleInput at(String instant) {
        return new RuleInput(BASE.carrier(), OUR, BASE.sender(), BASE.body(), Instant.parse(instant));
    }

    private static RuleMatch carriers(CarrierType... carriers) {
        return new RuleMatch(Set.of(carriers), null, null, null, null, null);
    }

    private static RuleMatch ourNumbers(String... numbers) {
        return new RuleMatch(null, Set.of(numbers), null, null, null, null);
    }

    private static RuleMatch keywords(String... keywords) {
        return new RuleMatch(null, null, Set.of(keywords), null, null, null);
    }

    private static RuleMatch pattern(String regex) {
        return new RuleMatch(null, null, null, Pattern.compile(regex), null, null);
    }

    private static RuleMatch senderPrefixes(String... prefixes) {
        return new RuleMatch(null, null, null, null, List.of(prefixes), null);
    }

    /** The conditions of every part, in one match. */
    private static RuleMatch all(RuleMatch... parts) {
        var list = List.of(parts);
        return new RuleMatch(
                list.stream().flatMap(m -> m.carriers().stream()).collect(Collectors.toSet()),
                list.stream().flatMap(m -> m.ourNumbers().stream()).collect(Collectors.toSet()),
                list.stream().flatMap(m -> m.keywords().stream()).collect(Collectors.toSet()),
                list.stream()
                        .map(RuleMatch::pattern)
                        .filter(p -> p != null)
                        .findFirst()
                        .orElse(null),
                list.stream().flatMap(m -> m.senderPrefixes().stream()).toList(),
                list.stream()
                        .map(RuleMatch::window)
                        .filter(w -> w != null)
                        .findFirst()
                        .orElse(null));
    }

    /** {@code days} is a comma-separated list such as "MON,TUE"; empty means every day. */
    private static RuleMatch window(String zone, String days, String from, String to) {
        var daySet = Arrays.stream(days.split(","))
                .filter(d -> !d.isEmpty())
                .map(d -> Arrays.stream(DayOfWeek.values())
                        .filter(w -> w.name().startsWith(d))
                        .findFirst()
                        .orElseThrow())
                .collect(Collectors.toSet());
        var window = new TimeWindow(ZoneId.of(zone), daySet, LocalTime.parse(from), LocalTime.parse(to), false);
        return new RuleMatch(null, null, null, null, null, window);
    }

    private static RuleMatch outside(RuleMatch match) {
        var w = match.window();
        return new RuleMatch(null, null, null, null, null, new TimeWindow(w.zone(), w.days(), w.from(), w.to(), true));
    }

    private static RuleMatch officeHours() {
        return window("America/New_York", "MON,TUE,WED,THU,FRI", "09:00", "17:00");
    }

    private static RuleMatch fridayNight() {
        return window("America/New_York", "FRI", "22:00", "06:00");
    }
}
