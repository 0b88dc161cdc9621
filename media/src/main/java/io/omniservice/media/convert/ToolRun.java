package io.omniservice.media.convert;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One run of an external tool (ffmpeg, ffprobe): the arguments as a list, never through a shell, so a file name
 * cannot become a command; stdin closed; stdout and stderr read concurrently into bounded buffers (a chatty
 * tool must neither block on a full pipe nor fill the heap); killed when it outlives its timeout.
 */
record ToolRun(int exitCode, String stdout, String stderr) {
    static final int MAX_STDOUT = 1 << 20;
    static final int MAX_STDERR = 8 * 1024;

    static ToolRun run(List<String> command, Duration timeout) throws IOException {
        Process process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        Drain stdout = new Drain(process.getInputStream(), MAX_STDOUT);
        Drain stderr = new Drain(process.getErrorStream(), MAX_STDERR);
        Thread stdoutReader = Thread.ofVirtual().start(stdout);
        Thread stderrReader = Thread.ofVirtual().start(stderr);
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(
                        command.getFirst() + " did not finish within " + timeout.toSeconds() + " s and was stopped");
            }
            // the pipes close with the process; the wait only covers a grandchild still holding them
            stdoutReader.join(Duration.ofSeconds(5));
            stderrReader.join(Duration.ofSeconds(5));
            return new ToolRun(process.exitValue(), stdout.text(), stderr.text());
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + command.getFirst());
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }

    boolean ok() {
        return exitCode == 0;
    }

    /** The tool's own explanation for a failure: its stderr, or the exit code when it said nothing. */
    String failure() {
        String text = stderr.strip();
        return text.isEmpty() ? "exit code " + exitCode : text.replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Reads a stream to its end, keeping the first {@code limit} bytes and dropping the rest. */
    private static final class Drain implements Runnable {
        private final InputStream in;
        private final int limit;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private volatile String text = "";

        Drain(InputStream in, int limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public void run() {
            try {
                text = readAll();
            } catch (IOException e) {
                text = "(output unreadable: " + e.getMessage() + ")";
            }
        }

        String readAll() throws IOException {
            byte[] chunk = new byte[8192];
            boolean truncated = false;
            try (in) {
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    int room = limit - kept.size();
                    kept.write(chunk, 0, Math.max(0, Math.min(n, room)));
                    truncated |= n > room;
                }
            }
            return kept.toString(StandardCharsets.UTF_8) + (truncated ? " […]" : "");
        }

        String text() {
            return text;
        }
    }
}
