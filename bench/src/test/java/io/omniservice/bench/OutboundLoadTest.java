package io.omniservice.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OutboundLoadTest {
    @Test
    void theWarmUpEndsWhenTheRateHoldsWithinATenthAndTheCompilersAreDone() {
        assertThat(OutboundLoad.steady(1779, 1780, 1)).isTrue();
        assertThat(OutboundLoad.steady(2000, 1800, 4)).isTrue();
        assertThat(OutboundLoad.steady(2000, 2200, 0)).isTrue();
    }

    @Test
    void aRateStillMovingOrCompilersStillBusyGoOnWarmingUp() {
        // the rounds seen on a slow machine: the rate rose with the compilers for ten rounds
        assertThat(OutboundLoad.steady(1438, 1769, 11)).isFalse();
        assertThat(OutboundLoad.steady(1769, 1779, 11)).isFalse();
        assertThat(OutboundLoad.steady(1000, 1200, 0)).isFalse();
        assertThat(OutboundLoad.steady(2000, 1700, 0)).isFalse();
        // the first round has nothing to hold against
        assertThat(OutboundLoad.steady(-1, 1780, 0)).isFalse();
    }
}
