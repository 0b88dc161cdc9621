package io.omniservice.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.omniservice.server.config.ConfigLoader;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.http.MediaApi;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

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
        Logger logger = logbackLogger(ConfiguredMedia.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            MediaApi api = ConfiguredMedia.build(
                    config, "https://gw.example.com", name -> new byte[32], Clock.systemUTC(), sharedDatabase);
            api.blobs().close();
        } finally {
            logger.detachAppender(appender);
        }
        return appender.list.stream()
                .filter(event -> event.getLevel() == Level.WARN)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
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

    /**
     * Logback's logger for {@code type}. While another test thread is still starting SLF4J, {@code getLogger}
     * hands out a stand-in that is not Logback's; wait for the real one.
     */
    private static Logger logbackLogger(Class<?> type) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        org.slf4j.ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        while (!(factory instanceof ch.qos.logback.classic.LoggerContext)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("SLF4J did not bind to Logback: " + factory.getClass());
            }
            Thread.onSpinWait();
            factory = LoggerFactory.getILoggerFactory();
        }
        return ((ch.qos.logback.classic.LoggerContext) factory).getLogger(type);
    }
}
