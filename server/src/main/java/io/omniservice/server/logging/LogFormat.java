package io.omniservice.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.http.GatewayHttpServer;
import java.util.Iterator;
import org.slf4j.LoggerFactory;

/**
 * Puts {@code logging.format} to work on logback: {@code text} keeps the shipped pattern, {@code json} writes
 * each event as one JSON object per line (logback's own {@link JsonEncoder}), whose {@code mdc} carries the
 * {@code trace_id}, {@code span_id} and {@code message_id} of the traced stage that logged it.
 */
public final class LogFormat {
    private LogFormat() {}

    /** Applies {@code logging} to the process's logback, if logback is the SLF4J backend. */
    public static void apply(GatewayConfig.Logging logging) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        if (logging.format() == GatewayConfig.Logging.Format.JSON) {
            useJson(context);
        }
        // the request log writes notable requests at INFO and the others at DEBUG (GatewayHttpServer)
        context.getLogger(GatewayHttpServer.ACCESS_LOGGER)
                .setLevel(
                        switch (logging.requests()) {
                            case ALL -> Level.DEBUG;
                            case ERRORS -> Level.INFO;
                            case NONE -> Level.OFF;
                        });
    }

    /** Every stream appender of the root logger (stdout as shipped) writes JSON lines from now on. */
    public static void useJson(LoggerContext context) {
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        for (Iterator<Appender<ILoggingEvent>> it = root.iteratorForAppenders(); it.hasNext(); ) {
            if (it.next() instanceof OutputStreamAppender<ILoggingEvent> stream
                    && !(stream.getEncoder() instanceof JsonEncoder)) {
                JsonEncoder json = new JsonEncoder();
                json.setContext(context);
                // the message as written, not its pattern and arguments apart (an argument may be long)
                json.setWithMessage(false);
                json.setWithArguments(false);
                json.setWithFormattedMessage(true);
                json.setWithSequenceNumber(false);
                json.setWithNanoseconds(false);
                json.setWithContext(false);
                json.start();
                stream.stop();
                stream.setEncoder(json);
                stream.start();
            }
        }
    }
}
