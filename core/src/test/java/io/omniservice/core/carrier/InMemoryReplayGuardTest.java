package io.omniservice.core.carrier;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class InMemoryReplayGuardTest {
    private final Instant now = Instant.parse("2026-11-24T12:00:00Z");
    private final InMemoryReplayGuard guard = new InMemoryReplayGuard(Clock.fixed(now, ZoneOffset.UTC));

    @Test
    void secondUseBeforeExpiryIsAReplay() {
        assertThat(guard.firstUse("messagebird/default", "jti-1", now.plusSeconds(60)))
                .isTrue();
        assertThat(guard.firstUse("messagebird/default", "jti-1", now.plusSeconds(60)))
                .isFalse();
    }

    @Test
    void scopesAreSeparate() {
        assertThat(guard.firstUse("a", "jti-1", now.plusSeconds(60))).isTrue();
        assertThat(guard.firstUse("b", "jti-1", now.plusSeconds(60))).isTrue();
    }

    @Test
    void expiredEntryMayBeReused() {
        assertThat(guard.firstUse("a", "jti-2", now.minusSeconds(1))).isTrue();
        assertThat(guard.firstUse("a", "jti-2", now.plusSeconds(60))).isTrue();
        assertThat(guard.firstUse("a", "jti-2", now.plusSeconds(60))).isFalse();
    }
}
