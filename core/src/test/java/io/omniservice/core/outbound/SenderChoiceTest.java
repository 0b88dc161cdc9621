package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.outbound.SenderChoice.Reason;
import java.util.List;
import java.util.Map;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

/** Which number of a pool a message goes from: sticky, then area code or country, then least busy. */
class SenderChoiceTest {
    private static final String SF = "+14155550100";
    private static final String NYC = "+12125550100";
    private static final String NYC_2 = "+12125550101";
    private static final String LONDON = "+447700900100";
    private static final List<String> POOL = List.of(SF, NYC, NYC_2, LONDON);
    private static final ToIntFunction<String> IDLE = number -> 0;

    private static SenderChoice.Choice choose(String to, List<NumberUse> used, ToIntFunction<String> load) {
        return SenderChoice.choose(CarrierType.TWILIO, "default", POOL, to, used, load);
    }

    private static NumberUse twilio(String number) {
        return new NumberUse(CarrierType.TWILIO, "default", number);
    }

    private static ToIntFunction<String> busy(Map<String, Integer> loads) {
        return number -> loads.getOrDefault(number, 0);
    }

    @Test
    void stickyBeatsAreaCodeBeatsLeastBusy() {
        // a 212 recipient who last talked with the San Francisco number keeps it, though a 212 number is idle
        assertThat(choose("+12125559999", List.of(twilio(SF)), busy(Map.of(SF, 9))))
                .isEqualTo(new SenderChoice.Choice(SF, Reason.STICKY));
        // a new 212 recipient gets a 212 number, though another is less busy
        assertThat(choose("+12125559999", List.of(), busy(Map.of(NYC, 3, NYC_2, 2))))
                .isEqualTo(new SenderChoice.Choice(NYC_2, Reason.AREA_CODE));
        // no local number: the least busy of the country's
        assertThat(choose("+13125559999", List.of(), busy(Map.of(SF, 2, NYC, 1, NYC_2, 1))))
                .isEqualTo(new SenderChoice.Choice(NYC, Reason.COUNTRY));
    }

    @Test
    void theNewestMessageOnThisAccountDecidesStickiness() {
        List<NumberUse> newestFirst = List.of(
                new NumberUse(CarrierType.BANDWIDTH, "default", "+13105550100"),
                new NumberUse(CarrierType.TWILIO, "marketing", SF),
                twilio(NYC_2),
                twilio(SF));
        assertThat(choose("+13125559999", newestFirst, IDLE)).isEqualTo(new SenderChoice.Choice(NYC_2, Reason.STICKY));
    }

    @Test
    void aNumberTakenOutOfThePoolIsNoLongerSticky() {
        // they last talked with +14155550199, no longer in the pool; an older message's number does not stand in
        List<NumberUse> used = List.of(twilio("+14155550199"), twilio(NYC));
        assertThat(choose("+14155559999", used, IDLE)).isEqualTo(new SenderChoice.Choice(SF, Reason.AREA_CODE));
    }

    @Test
    void anotherCountryGetsANumberOfItsCallingCode() {
        assertThat(choose("+447911123456", List.of(), IDLE)).isEqualTo(new SenderChoice.Choice(LONDON, Reason.COUNTRY));
    }

    @Test
    void tiesGoToTheEarlierNumberOfThePoolAndLoadSpreadsThem() {
        // a German recipient: no number of theirs, so the whole pool, least busy first
        assertThat(choose("+4915112345678", List.of(), IDLE)).isEqualTo(new SenderChoice.Choice(SF, Reason.LEAST_BUSY));
        assertThat(choose("+4915112345678", List.of(), busy(Map.of(SF, 1))))
                .isEqualTo(new SenderChoice.Choice(NYC, Reason.LEAST_BUSY));
        assertThat(choose("+4915112345678", List.of(), busy(Map.of(SF, 1, NYC, 1, NYC_2, 1))))
                .isEqualTo(new SenderChoice.Choice(LONDON, Reason.LEAST_BUSY));
        // two 212 numbers equally busy: the one listed first
        assertThat(choose("+12125559999", List.of(), busy(Map.of(NYC, 4, NYC_2, 4))))
                .isEqualTo(new SenderChoice.Choice(NYC, Reason.AREA_CODE));
    }
}
