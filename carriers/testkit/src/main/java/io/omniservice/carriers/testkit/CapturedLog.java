package io.omniservice.carriers.testkit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * The lines one class logs while it is open, for tests that check a warning is given. Needs Logback on the
 * test's class path (this kit does not bring it).
 */
public final class CapturedLog implements AutoCloseable {
    private final Logger logger;
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    private CapturedLog(Logger logger) {
        this.logger = logger;
        appender.start();
        logger.addAppender(appender);
    }

    /** Starts capturing what {@code type}'s logger writes. */
    public static CapturedLog of(Class<?> type) {
        return new CapturedLog(logbackContext().getLogger(type));
    }

    /** Everything captured so far, in order. */
    public List<ILoggingEvent> events() {
        synchronized (appender.list) {
            return List.copyOf(appender.list);
        }
    }

    /** The formatted messages captured at {@code level}. */
    public List<String> messages(Level level) {
        return events().stream()
                .filter(event -> event.getLevel() == level)
                .map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }

    /**
     * While another test thread is still starting SLF4J, it hands out stand-in loggers that are not Logback's;
     * this waits for the real context.
     */
    private static LoggerContext logbackContext() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        ILoggerFactory factory = LoggerFactory.getILoggerFactory();
        while (!(factory instanceof LoggerContext context)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("SLF4J did not bind to Logback: " + factory.getClass());
            }
            Thread.onSpinWait();
            factory = LoggerFactory.getILoggerFactory();
        }
        return context;
    }
}
