package io.omniservice.aws.sns;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * fauxqs (an SNS and SQS emulator on Node) as a child process of the test, on a free port of its own, stopped
 * with the test (the acceptance suite's gateway process publishes to it too). It is installed from {@code tools/aws-emulators} with {@code npm ci}, Node 22 included.
 */
public final class Fauxqs implements AutoCloseable {
    static final String FOLDER = "tools/aws-emulators";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final int port;

    private Fauxqs(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Starts fauxqs and waits until {@code GET /health} answers; a port taken meanwhile is tried again. */
    public static Fauxqs start() throws IOException, InterruptedException {
        Path tools = toolsFolder();
        Path node = tools.resolve("node_modules/.bin/node");
        Path cli = tools.resolve("node_modules/fauxqs/dist/cli.js");
        if (!Files.isExecutable(node) || !Files.isRegularFile(cli)) {
            throw new IllegalStateException("fauxqs and Node 22 are not installed: run `npm ci` in " + tools + " (cd "
                    + FOLDER + " && npm ci)");
        }
        Path log = Files.createDirectories(Path.of("target"))
                .resolve("fauxqs-" + ProcessHandle.current().pid() + "-" + System.nanoTime() + ".log");
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            ProcessBuilder builder = new ProcessBuilder(node.toString(), cli.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().put("FAUXQS_PORT", Integer.toString(port));
            builder.environment().put("FAUXQS_LOGGER", "false");
            Process process = builder.start();
            try {
                awaitHealthy(process, port);
                return new Fauxqs(process, port);
            } catch (IllegalStateException e) {
                process.destroyForcibly().waitFor();
                failure = e;
            }
        }
        throw new IllegalStateException(failure.getMessage() + " (its output: " + log.toAbsolutePath() + ")", failure);
    }

    private static void awaitHealthy(Process process, int port) throws InterruptedException {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest health = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .timeout(Duration.ofSeconds(2))
                .build();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("fauxqs exited with " + process.exitValue() + " on port " + port);
            }
            try {
                if (client.send(health, HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(
                "fauxqs did not answer GET /health on port " + port + " within " + START_TIMEOUT);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** The repository's {@code tools/aws-emulators}, found upwards from where the tests run (the module). */
    static Path toolsFolder() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path at = dir; at != null; at = at.getParent()) {
            if (Files.isRegularFile(at.resolve(FOLDER).resolve("package.json"))) {
                return at.resolve(FOLDER);
            }
        }
        throw new IllegalStateException("no " + FOLDER + "/package.json above " + dir);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
