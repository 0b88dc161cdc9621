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

    @Test
    void wrksSummaryLineIsReadByKeyAmongWrksOwnOutput() {
        String output = """
                Running 5s test @ http://127.0.0.1:18080
                  2 threads and 64 connections
                  9031 requests in 5.00s, 2.41MB read
                  Non-2xx or 3xx responses: 3
                sends: answered=9031 non2xx=3 connect=0 read=1 write=0 timeout=2 micros=5001234 p50us=30500 p99us=91000
                """;
        assertThat(OutboundLoad.wrkSummary(output))
                .containsEntry("answered", 9031L)
                .containsEntry("non2xx", 3L)
                .containsEntry("read", 1L)
                .containsEntry("timeout", 2L)
                .containsEntry("p99us", 91000L);
        assertThat(OutboundLoad.wrkSummary("unable to connect to 127.0.0.1:18080 Connection refused\n"))
                .isNull();
    }

    @Test
    void aWindowsSendRateRunsFromItsStartToTheLastArrival() {
        // 2,000 sends, the last 2 s after the start: those in flight when wrk stopped at 1.5 s count too
        OutboundLoad.WrkWindow window =
                new OutboundLoad.WrkWindow(1_000_000_000L, 2_500_000_000L, 1990, 0, 2000, 3_000_000_000L, 0, 0);
        assertThat(window.sendRate()).isEqualTo(1000.0);
        assertThat(window.postingSeconds()).isEqualTo(1.5);
        assertThat(new OutboundLoad.WrkWindow(0, 1, 0, 5, 0, Long.MIN_VALUE, 0, 0).sendRate())
                .isZero();
    }
}
