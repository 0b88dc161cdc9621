package io.omniservice.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.support.RunningGateway;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What someone starting the gateway sees when {@code media.fetch.allowedNetworks} holds something that is not
 * a network: the list is only parsed when the media pipeline is built ({@code new AddressGuard(list)}), not
 * by the configuration loader.
 */
class MediaStartUpTest {
    @TempDir
    Path data;

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "10.0.0.1/8 | '10.0.0.1/8' has bits set after the prefix; did you mean 10.0.0.0/8?",
                "banana     | 'banana' is not a network: 'banana' is not an IPv4 or IPv6 address",
                "10.0.0.0/33 | '10.0.0.0/33' has prefix length 33; it must be 0 to 32",
            })
    void networkThatIsNotOneStopsStartUpNamingTheKeyAndTheValue(String network, String problem) {
        String media = "media:\n  fetch: {allowedNetworks: [127.0.0.1/32, '" + network + "']}\n";

        assertThatThrownBy(() -> new RunningGateway(data, 1 << 20, media, List.of()))
                .hasMessageStartingWith("media.fetch.allowedNetworks")
                .hasMessageContaining(problem);

        // the failed start closed the embedded store it had opened: the same directory starts cleanly
        try (RunningGateway fixed = new RunningGateway(
                data,
                1 << 20,
                "media:\n  fetch: {allowedNetworks: [127.0.0.1/32, 10.0.0.0/8]}\n",
                ConfiguredCarriers.installedProviders())) {
            assertThat(fixed.get("/health/live").statusCode()).isEqualTo(200);
        }
    }
}
