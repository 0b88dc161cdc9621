package io.omniservice.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.http.GatewayHttpServer;
import io.omniservice.server.support.RunningGateway;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** {@code logging.requests}: which requests get a line in the request log. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RequestLogTest {
    @TempDir
    static Path data;

    private RunningGateway gateway;
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Logger requestLog;
    private Level levelBefore;

    @BeforeAll
    void start() {
        gateway = new RunningGateway(data, 1 << 20, "", List.of());
        requestLog = ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(GatewayHttpServer.ACCESS_LOGGER);
        levelBefore = requestLog.getLevel();
        lines.start();
        requestLog.addAppender(lines);
    }

    @AfterAll
    void stop() {
        requestLog.detachAppender(lines);
        requestLog.setLevel(levelBefore);
        gateway.close();
    }

    private int round;

    /**
     * The request lines this round's two requests wrote: a 200 and a refused one. The refused path is new each
     * round: a line is written after its answer is sent, so an earlier round's may still arrive, and is then
     * judged by this round's setting.
     */
    private List<String> logged(GatewayConfig.Logging.Requests requests) {
        LogFormat.apply(new GatewayConfig.Logging(GatewayConfig.Logging.Format.TEXT, requests));
        String refused = "/v1/contacts/round-" + ++round;
        synchronized (lines) {
            lines.list.clear();
        }
        assertThat(gateway.get("/health/live").statusCode()).isEqualTo(200);
        assertThat(gateway.get(refused).statusCode()).isEqualTo(401);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (requests != GatewayConfig.Logging.Requests.NONE
                && written().stream().noneMatch(line -> line.contains(refused + " "))
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return written().stream()
                .filter(line -> line.contains("/health/live") || line.contains(refused + " "))
                .collect(Collectors.toList());
    }

    /** The lines appended so far: server threads append (holding the appender) while the test reads. */
    private List<String> written() {
        synchronized (lines) {
            return lines.list.stream()
                    .map(e -> e.getLevel() + " " + e.getFormattedMessage())
                    .toList();
        }
    }

    @Test
    void errorsByDefaultLogsRefusedRequestsOnly() {
        assertThat(logged(GatewayConfig.Logging.TEXT.requests()))
                .singleElement()
                .asString()
                .matches("INFO GET /v1/contacts/round-\\d+ 401 .*");
    }

    @Test
    void allLogsEveryRequestAndNoneNothing() {
        assertThat(logged(GatewayConfig.Logging.Requests.ALL))
                .anyMatch(line -> line.startsWith("DEBUG GET /health/live 200 "))
                .anyMatch(line -> line.startsWith("INFO GET /v1/contacts/round-") && line.contains(" 401 "));
        assertThat(logged(GatewayConfig.Logging.Requests.NONE)).isEmpty();
    }
}
