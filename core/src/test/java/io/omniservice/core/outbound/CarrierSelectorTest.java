package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.MessageContent;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The seed's four priorities, shaping per carrier, WhatsApp's window and opt-outs, on carriers that only exist here. */
class CarrierSelectorTest {
    private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");
    private static final CarrierCapabilities SMS =
            new CarrierCapabilities(true, true, false, false, false, 5_000_000, List.of("image/jpeg"), 1600);
    private static final CarrierCapabilities WHATSAPP =
            new CarrierCapabilities(true, true, true, true, true, 5_000_000, List.of("image/jpeg"), 4096);
    private static final CarrierCapabilities TEXT_ONLY =
            new CarrierCapabilities(true, false, false, false, false, 0, List.of(), 160);

    private final CarrierHealth health =
            new CarrierHealth(new OutboundSettings.Breaker(4, 4, 50f, Duration.ofMinutes(5), 1));
    private final List<RoutingRule> rules = new ArrayList<>();
    private final TemplateRegistry templates = new TemplateRegistry(Map.of("code", "Your code is {{code}}"));

    private final CarrierRoute twilio = route(CarrierType.TWILIO, SMS, "0.0079");
    private final CarrierRoute bandwidth = route(CarrierType.BANDWIDTH, SMS, "0.0040");
    private final CarrierRoute inteliquent = route(CarrierType.INTELIQUENT, TEXT_ONLY, "0.0030");
    private final CarrierRoute whatsapp = route(CarrierType.WHATSAPP, WHATSAPP, "0.0100");
    private final CarrierRoute livechat = route(CarrierType.LIVECHAT, WHATSAPP, "0");

    private CarrierSelector selector(CarrierRoute... routes) {
        return new CarrierSelector(List.of(routes), health, templates, () -> rules, Duration.ofHours(24));
    }

    private static CarrierRoute route(CarrierType type, CarrierCapabilities capabilities, String cost) {
        return TestRoutes.route(type, capabilities, cost);
    }

    private static SendPlan plan(String to, MessageContent content, CarrierType preferred) {
        return new SendPlan(to, null, content, null, null, null, preferred, null, null);
    }

    private static CarrierSelector.Recipient fresh() {
        return new CarrierSelector.Recipient(null, Set.of(), null, NOW);
    }

    private static List<CarrierType> order(CarrierSelector.Selection selection) {
        return selection.candidates().stream().map(c -> c.route().carrier()).toList();
    }

    private static final MessageContent TEXT = new MessageContent.Text("hello");

    @Test
    void cheapestCapableCarrierFirstWhenNothingElseDecides() {
        assertThat(order(selector(twilio, bandwidth, inteliquent).select(plan("+14155550100", TEXT, null), fresh())))
                .containsExactly(CarrierType.INTELIQUENT, CarrierType.BANDWIDTH, CarrierType.TWILIO);
    }

    @Test
    void preferredThenLastCarrierThenLongestPrefixRule() {
        rules.add(new RoutingRule("r1", "+1", CarrierType.TWILIO, 0, null, NOW));
        rules.add(new RoutingRule("r2", "+1415", CarrierType.BANDWIDTH, 0, null, NOW));
        CarrierSelector selector = selector(twilio, bandwidth, inteliquent);

        assertThat(order(selector.select(plan("+14155550100", TEXT, null), fresh()))
                        .getFirst())
                .isEqualTo(CarrierType.BANDWIDTH);
        assertThat(order(selector.select(plan("+12125550100", TEXT, null), fresh()))
                        .getFirst())
                .isEqualTo(CarrierType.TWILIO);
        var lastWasInteliquent = new CarrierSelector.Recipient(CarrierType.INTELIQUENT, Set.of(), null, NOW);
        assertThat(order(selector.select(plan("+14155550100", TEXT, null), lastWasInteliquent)))
                .startsWith(CarrierType.INTELIQUENT, CarrierType.BANDWIDTH);
        assertThat(order(selector.select(plan("+14155550100", TEXT, CarrierType.TWILIO), lastWasInteliquent)))
                .startsWith(CarrierType.TWILIO, CarrierType.INTELIQUENT, CarrierType.BANDWIDTH);
    }

    @Test
    void aRulesCostRanksItsCarrierForItsNumbers() {
        rules.add(new RoutingRule("r1", "+447", CarrierType.TWILIO, 0, null, NOW));
        rules.add(new RoutingRule("r2", "+44", CarrierType.BANDWIDTH, 0, new BigDecimal("0.0010"), NOW));
        // the longest prefix names twilio first; bandwidth's rule makes it cheaper than inteliquent for +44
        assertThat(order(selector(twilio, bandwidth, inteliquent).select(plan("+447700900123", TEXT, null), fresh())))
                .containsExactly(CarrierType.TWILIO, CarrierType.BANDWIDTH, CarrierType.INTELIQUENT);
        assertThat(order(selector(twilio, bandwidth, inteliquent).select(plan("+14155550100", TEXT, null), fresh())))
                .containsExactly(CarrierType.INTELIQUENT, CarrierType.BANDWIDTH, CarrierType.TWILIO);
    }

    @Test
    void aDownCarrierIsNeitherPreferredNorLastButStaysAsTheLastFallback() {
        CircuitBreaker breaker = health.breaker(twilio);
        breaker.transitionToOpenState();
        var lastWasTwilio = new CarrierSelector.Recipient(CarrierType.TWILIO, Set.of(), null, NOW);

        assertThat(order(selector(twilio, bandwidth)
                        .select(plan("+14155550100", TEXT, CarrierType.TWILIO), lastWasTwilio)))
                .containsExactly(CarrierType.BANDWIDTH, CarrierType.TWILIO);
        breaker.transitionToHalfOpenState();
        assertThat(order(selector(twilio, bandwidth).select(plan("+14155550100", TEXT, CarrierType.TWILIO), fresh())))
                .as("a half-open carrier still gets its trial calls")
                .startsWith(CarrierType.TWILIO);
    }

    @Test
    void contentIsShapedForEachCarrier() {
        var buttons = new MessageContent.Interactive(
                "Keep the slot?",
                List.of(
                        new MessageContent.Interactive.Button("y", "Yes"),
                        new MessageContent.Interactive.Button("n", "No")));
        var recent = new CarrierSelector.Recipient(null, Set.of(), NOW.minus(Duration.ofHours(1)), NOW);
        var selection =
                selector(whatsapp, bandwidth).select(plan("+14155550100", buttons, CarrierType.WHATSAPP), recent);

        assertThat(selection.candidates().get(0).content()).isEqualTo(buttons);
        assertThat(selection.candidates().get(1).content())
                .isEqualTo(new MessageContent.Text(
                        "Keep the slot?\n\n1. Yes\n2. No\n\nReply with the number of your choice."));

        var template = new MessageContent.Template("", "code", Map.of("code", "1234"));
        assertThat(selector(bandwidth)
                        .select(plan("+14155550100", template, null), fresh())
                        .candidates()
                        .getFirst()
                        .content())
                .isEqualTo(new MessageContent.Text("Your code is 1234"));
        var media = new MessageContent.Media("look", List.of(MediaItem.url("https://example.com/a.jpg", "image/jpeg")));
        assertThat(order(selector(inteliquent, bandwidth).select(plan("+14155550100", media, null), fresh())))
                .containsExactly(CarrierType.BANDWIDTH);
        assertThat(order(selector(inteliquent)
                        .select(plan("+14155550100", new MessageContent.Text("x".repeat(161)), null), fresh())))
                .isEmpty();
    }

    @Test
    void outsideWhatsAppsWindowAFreeFormMessageUsesTheGivenTemplateOrAnotherChannel() {
        var longAgo = new CarrierSelector.Recipient(null, Set.of(), NOW.minus(Duration.ofHours(25)), NOW);
        SendPlan withTemplate = new SendPlan(
                "+14155550100", null, TEXT, null, "hello_again", Map.of("1", "Ann"), CarrierType.WHATSAPP, null, null);

        var selection = selector(whatsapp, bandwidth).select(withTemplate, longAgo);
        assertThat(selection.candidates().getFirst().content())
                .isEqualTo(new MessageContent.Template("hello", "hello_again", Map.of("1", "Ann")));

        assertThat(order(selector(whatsapp, bandwidth)
                        .select(plan("+14155550100", TEXT, CarrierType.WHATSAPP), longAgo)))
                .containsExactly(CarrierType.BANDWIDTH);
        var refused = selector(whatsapp).select(plan("+14155550100", TEXT, null), longAgo);
        assertThat(refused.refusal()).isEqualTo("no_capable_carrier");
        assertThat(refused.detail()).contains("24-hour window");
    }

    @Test
    void optOutsCloseTheirChannelOnly() {
        var stoppedSms = new CarrierSelector.Recipient(null, Set.of("sms"), NOW.minusSeconds(60), NOW);
        assertThat(order(selector(twilio, whatsapp).select(plan("+14155550100", TEXT, null), stoppedSms)))
                .containsExactly(CarrierType.WHATSAPP);
        var refused = selector(twilio, bandwidth).select(plan("+14155550100", TEXT, null), stoppedSms);
        assertThat(refused.refusal()).isEqualTo("recipient_opted_out");
    }

    @Test
    void aChatIdGoesToLiveChatAndAPhoneNumberNever() {
        assertThat(order(selector(livechat, twilio).select(plan("PS0X0L086G", TEXT, null), fresh())))
                .containsExactly(CarrierType.LIVECHAT);
        assertThat(order(selector(livechat, twilio).select(plan("+14155550100", TEXT, null), fresh())))
                .containsExactly(CarrierType.TWILIO);
    }

    // ---- across channels: the other identities of the recipient's contact ----

    private static List<String> addresses(CarrierSelector.Selection selection) {
        return selection.candidates().stream()
                .map(c -> c.route().carrier().wireName() + "->" + c.to())
                .toList();
    }

    @Test
    void carriersThatReachOnlyAnotherIdentityComeAfterThoseThatReachTheAddressEachWithItsAddress() {
        var phone = new CarrierSelector.Alternative("+14155550100", fresh());
        var recentWhatsApp = new CarrierSelector.Recipient(null, Set.of(), NOW.minus(Duration.ofHours(1)), NOW);
        var user = new CarrierSelector.Alternative("whatsapp-user:US.1349", recentWhatsApp);
        CarrierSelector selector = selector(twilio, bandwidth, whatsapp, livechat);

        assertThat(addresses(selector.select(plan("PJ0MRSHTDG", TEXT, null), fresh(), List.of(phone, user))))
                .containsExactly(
                        "livechat->PJ0MRSHTDG",
                        "bandwidth->+14155550100",
                        "twilio->+14155550100",
                        // WhatsApp's window is the number's own: closed there, open for the user id
                        "whatsapp->whatsapp-user:US.1349");
        // no alternatives: the address alone, as before
        assertThat(addresses(selector.select(plan("PJ0MRSHTDG", TEXT, null), fresh())))
                .containsExactly("livechat->PJ0MRSHTDG");
    }

    @Test
    void anAddressNoCarrierReachesIsNoLongerRefusedWhenAnotherIdentityIsReachable() {
        CarrierSelector smsOnly = selector(twilio);
        assertThat(smsOnly.select(plan("PJ0MRSHTDG", TEXT, null), fresh()).refusal())
                .isEqualTo("no_capable_carrier");

        var selection = smsOnly.select(
                plan("PJ0MRSHTDG", TEXT, null),
                fresh(),
                List.of(new CarrierSelector.Alternative("+14155550100", fresh())));
        assertThat(addresses(selection)).containsExactly("twilio->+14155550100");
        assertThat(selection.refusal()).isNull();
    }

    @Test
    void aChannelTheAlternativeLeftIsNotUsedAndTheRefusalStaysTheAddresssOwn() {
        var optedOutOfSms = new CarrierSelector.Recipient(null, Set.of("sms"), null, NOW);
        var selection = selector(twilio, bandwidth)
                .select(
                        plan("PJ0MRSHTDG", TEXT, null),
                        fresh(),
                        List.of(new CarrierSelector.Alternative("+14155550100", optedOutOfSms)));
        assertThat(selection.isEmpty()).isTrue();
        assertThat(selection.refusal()).isEqualTo("no_capable_carrier");
    }

    @Test
    void aCarrierAlreadyReachingTheAddressIsNotAddedAgainForAnotherIdentity() {
        var otherPhone = new CarrierSelector.Alternative("+14155550111", fresh());
        assertThat(addresses(selector(twilio).select(plan("+14155550100", TEXT, null), fresh(), List.of(otherPhone))))
                .containsExactly("twilio->+14155550100");
    }

    @Test
    void aNamedFromMustBeANumberOfAPooledAccountsPool() {
        CarrierRoute pooledTwilio = TestRoutes.pooled(twilio, "+14155550100", "+12125550100");
        SendPlan fromNyc = new SendPlan("+12125559999", "+12125550100", TEXT, null, null, null, null, null, null);
        SendPlan fromElsewhere = new SendPlan("+12125559999", "+13125550100", TEXT, null, null, null, null, null, null);

        assertThat(order(selector(pooledTwilio, bandwidth).select(fromNyc, fresh())))
                .containsExactly(CarrierType.BANDWIDTH, CarrierType.TWILIO);
        // the pool does not hold it: that account is left out; one without a pool sends from any number, as before
        assertThat(order(selector(pooledTwilio, bandwidth).select(fromElsewhere, fresh())))
                .containsExactly(CarrierType.BANDWIDTH);
        CarrierSelector.Selection none = selector(pooledTwilio).select(fromElsewhere, fresh());
        assertThat(none.refusal()).isEqualTo(CarrierSelector.FROM_NOT_IN_POOL);
        assertThat(none.detail()).contains("twilio/default", "+1312***0100");
    }
}
