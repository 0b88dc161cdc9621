package io.omniservice.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** The logging configuration the jar ships with. */
class LoggingConfigTest {
    @Test
    void carrierTokensStayOutOfTheLogEvenWhenEverythingElseIsAtDebug() throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(Path.of("src/main/resources/logback.xml").toFile());
        context.getLogger(Logger.ROOT_LOGGER_NAME).setLevel(Level.DEBUG);

        assertThat(context.getLogger("io.omniservice").isDebugEnabled()).isTrue();
        // the media downloader's HTTP client writes request headers (Authorization) and raw bytes at DEBUG
        assertThat(context.getLogger("org.apache.hc.client5.http.headers").isDebugEnabled())
                .isFalse();
        assertThat(context.getLogger("org.apache.hc.client5.http.wire").isDebugEnabled())
                .isFalse();
        context.stop();
    }
}
