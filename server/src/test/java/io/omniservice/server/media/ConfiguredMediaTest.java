package io.omniservice.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.omniservice.carriers.testkit.CapturedLog;
import io.omniservice.server.config.ConfigLoader;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.http.MediaApi;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfiguredMediaTest {
    @TempDir
    Path dir;

    private GatewayConfig.Media media(String section) {
        return new ConfigLoader(Map.of()).parse("""
                        server: {publicBaseUrl: https://gw.example.com}
                        storage: {mode: embedded, embedded: {path: '%s'}}
                        api: {keys: [{name: tests, key: test-api-key-0123456789}]}
                        %s
                        """.formatted(dir, section)).media();
    }

    private List<String> warningsBuilding(GatewayConfig.Media config, boolean sharedDatabase) {
        try (CapturedLog log = CapturedLog.of(ConfiguredMedia.class)) {
            MediaApi api = ConfiguredMedia.build(
                    config, "https://gw.example.com", name -> new byte[32], Clock.systemUTC(), sharedDatabase);
            api.blobs().close();
            return log.messages(Level.WARN);
        }
    }

    @Test
    void filesOnOneNodeOfASharedDatabaseAreCalledOut() {
        assertThat(warningsBuilding(media(""), true)).singleElement().satisfies(warning -> assertThat(warning)
                .contains("this node only")
                .contains("media.s3"));
    }

    @Test
    void oneNodeOnItsOwnFilesIsFine() {
        assertThat(warningsBuilding(media(""), false)).isEmpty();
    }

    @Test
    void filesGoUnderTheEmbeddedStoresDirectory() {
        GatewayConfig.Media config = media("");

        warningsBuilding(config, false);

        assertThat(config.directory()).isEqualTo(dir.resolve("media"));
        assertThat(dir.resolve("media/work")).isDirectory();
    }
}
