package io.omniservice.acceptance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * nginx in front of the nodes, run with the configuration we ship ({@code deploy/nginx/omniservice.conf}):
 * only the node list and the listen line are replaced, the rest is used as users deploy it. Without nginx
 * on the machine the test is skipped, except on CI ({@code CI=true}), where that is a failure.
 */
final class LoadBalancer implements AutoCloseable {
    private static final Pattern NODES = Pattern.compile("# nodes:begin\\n.*?# nodes:end", Pattern.DOTALL);
    private static final Pattern LISTEN = Pattern.compile("# listen:begin\\n.*?# listen:end", Pattern.DOTALL);

    private final int port;
    private final Process process;
    private final Path directory;

    private LoadBalancer(int port, Process process, Path directory) {
        this.port = port;
        this.process = process;
        this.directory = directory;
    }

    static LoadBalancer start(Path directory, List<Integer> nodePorts) throws Exception {
        Path nginx = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/bin/nginx")).stream()
                .filter(Files::isExecutable)
                .findFirst()
                .orElse(null);
        if (nginx == null) {
            String reason = "nginx is not installed (Debian: apt-get install nginx-light)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                Assertions.fail(reason + " (CI=true: .ci/run installs it)");
            }
            Assumptions.abort(reason);
        }
        Path shipped = Path.of(System.getProperty("omniservice.root", ".."), "deploy/nginx/omniservice.conf");
        assertThat(shipped).as("the shipped nginx configuration").exists();
        int port = freePort();
        String nodes = nodePorts.stream()
                .map(p -> "    server 127.0.0.1:" + p + " max_fails=1 fail_timeout=5s;")
                .collect(Collectors.joining("\n"));
        String site = replaceOnce(NODES, Files.readString(shipped), "# nodes\n" + nodes + "\n");
        site = replaceOnce(LISTEN, site, "listen 127.0.0.1:" + port + ";\n");
        Files.createDirectories(directory.resolve("logs"));
        Files.writeString(directory.resolve("omniservice.conf"), site);
        // the main file a distribution provides; here with everything in the test's directory
        Files.writeString(directory.resolve("nginx.conf"), """
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/logs/error.log warn;
                events { worker_connections 1024; }
                http {
                    access_log %1$s/logs/access.log;
                    client_body_temp_path %1$s/client_body;
                    proxy_temp_path %1$s/proxy;
                    include %1$s/omniservice.conf;
                }
                """.formatted(directory));
        String user = "root".equals(System.getProperty("user.name")) ? "user root; " : "";
        Process process = new ProcessBuilder(
                        nginx.toString(),
                        "-p",
                        directory.toString(),
                        "-c",
                        directory.resolve("nginx.conf").toString(),
                        "-g",
                        user + "daemon off;")
                .redirectErrorStream(true)
                .redirectOutput(directory.resolve("logs/nginx.out").toFile())
                .start();
        LoadBalancer balancer = new LoadBalancer(port, process, directory);
        balancer.awaitListening();
        return balancer;
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    /** What nginx answered, one line per request ("status upstream_status"), for the test's report. */
    Path accessLog() {
        return directory.resolve("logs/access.log");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    private void awaitListening() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ":\n"
                        + Files.readString(directory.resolve("logs/nginx.out")));
            }
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nginx not listening after 10 s");
    }

    private static String replaceOnce(Pattern marked, String text, String replacement) {
        Matcher matcher = marked.matcher(text);
        assertThat(matcher.find()).as("marker " + marked.pattern()).isTrue();
        return matcher.replaceFirst(Matcher.quoteReplacement(replacement));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
