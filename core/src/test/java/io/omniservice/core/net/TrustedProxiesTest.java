package io.omniservice.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private final TrustedProxies proxies = TrustedProxies.of(List.of("10.0.0.0/8", "127.0.0.1", "fd00::/8"));

    @Test
    void aPeerThatIsNoProxyIsTheClientWhateverItForwards() {
        assertThat(proxies.clientAddress("203.0.113.7", List.of("10.1.1.1"))).isEqualTo("203.0.113.7");
        assertThat(TrustedProxies.NONE.clientAddress("127.0.0.1", List.of("203.0.113.7")))
                .isEqualTo("127.0.0.1");
    }

    @Test
    void behindProxiesTheClientIsTheRightMostAddressNoProxyOfOursAdded() {
        assertThat(proxies.clientAddress("127.0.0.1", List.of("203.0.113.7"))).isEqualTo("203.0.113.7");
        // a forged entry on the left is not believed; a chain of our own proxies is walked through
        assertThat(proxies.clientAddress("10.0.0.5", List.of("198.51.100.1, 203.0.113.7, 10.0.0.9")))
                .isEqualTo("203.0.113.7");
        // several headers are one list, in order
        assertThat(proxies.clientAddress("fd00::1", List.of("198.51.100.1", "203.0.113.8")))
                .isEqualTo("203.0.113.8");
    }

    @Test
    void withoutAForwardedAddressOrWithOnlyProxiesTheLastOneSeenIsTheClient() {
        assertThat(proxies.clientAddress("127.0.0.1", List.of())).isEqualTo("127.0.0.1");
        assertThat(proxies.clientAddress("127.0.0.1", List.of(" , "))).isEqualTo("127.0.0.1");
        assertThat(proxies.clientAddress("127.0.0.1", List.of("10.0.0.1, 10.0.0.2")))
                .isEqualTo("10.0.0.1");
        assertThat(proxies.clientAddress("127.0.0.1", List.of("unknown"))).isEqualTo("unknown");
    }

    @Test
    void aBlockThatIsNotOneIsRefusedNamingIt() {
        assertThatThrownBy(() -> TrustedProxies.of(List.of("10.0.0.1/8"))).hasMessageContaining("10.0.0.0/8");
        assertThatThrownBy(() -> TrustedProxies.of(List.of("proxy.internal"))).hasMessageContaining("proxy.internal");
    }
}
