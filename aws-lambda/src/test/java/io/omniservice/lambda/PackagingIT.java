package io.omniservice.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.omniservice.core.json.Json;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shaded jar as Lambda runs it: a child JVM with AWS's runtime interface client on the jar's handler, against
 * a small fake of the Runtime API (the JDK's HTTP server) that hands out one API Gateway v2 event and takes the
 * answer the function posts back. The function is wired to the emulators as a deployed one is to AWS.
 */
class PackagingIT {
    @Test
    void theShadedJarAnswersAnApiGatewayEventThroughTheRuntimeInterfaceClient() throws Exception {
        Path jar = Path.of(System.getProperty("lambda.jar", "target/omniservice-aws-lambda.jar"));
        assertThat(jar).exists();
        // the runtime's own jars, which Lambda's Java runtime puts beside the function's
        String ric = String.join(
                File.pathSeparator,
                List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
                        .filter(entry -> entry.contains("aws-lambda-java-runtime-interface-client")
                                || entry.contains("aws-lambda-java-serialization"))
                        .toList());
        String event = Json.text(Map.of(
                "version", "2.0",
                "routeKey", "$default",
                "rawPath", "/health/live",
                "rawQueryString", "",
                "headers", Map.of("accept", "application/json", "host", "abc123.execute-api.us-east-1.amazonaws.com"),
                "requestContext",
                        Map.of(
                                "domainName",
                                "abc123.execute-api.us-east-1.amazonaws.com",
                                "http",
                                Map.of("method", "GET", "path", "/health/live", "sourceIp", "203.0.113.7")),
                "isBase64Encoded", false));
        CompletableFuture<String> answer = new CompletableFuture<>();
        List<Boolean> handedOut = new ArrayList<>();
        HttpServer runtime = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        runtime.createContext("/2018-06-01/runtime/invocation/next", exchange -> {
            synchronized (handedOut) {
                if (!handedOut.isEmpty()) {
                    // one event only: the next poll waits until the test ends
                    try {
                        answer.get(120, TimeUnit.SECONDS);
                        Thread.sleep(60_000);
                    } catch (Exception e) {
                        // the test is over
                    }
                    return;
                }
                handedOut.add(true);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("Lambda-Runtime-Aws-Request-Id", "req-1");
            exchange.getResponseHeaders()
                    .add("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 29_000));
            exchange.getResponseHeaders()
                    .add("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:api");
            reply(exchange, 200, event);
        });
        runtime.createContext("/2018-06-01/runtime/invocation/req-1/response", exchange -> {
            answer.complete(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            reply(exchange, 202, "{}");
        });
        runtime.createContext("/2018-06-01/runtime/invocation/req-1/error", exchange -> {
            answer.complete("ERROR " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            reply(exchange, 202, "{}");
        });
        runtime.createContext("/2018-06-01/runtime/init/error", exchange -> {
            answer.complete(
                    "INIT ERROR " + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            reply(exchange, 202, "{}");
        });
        runtime.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
        runtime.start();
        Path log = Files.createTempFile("lambda-child", ".log");
        try (LambdaEmulators emulators = new LambdaEmulators("packaging")) {
            ProcessBuilder child = new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp",
                    jar + File.pathSeparator + ric,
                    "com.amazonaws.services.lambda.runtime.api.client.AWSLambda",
                    "io.omniservice.lambda.ApiHandler::handleRequest");
            child.environment().putAll(emulators.env());
            child.environment()
                    .put(
                            "AWS_LAMBDA_RUNTIME_API",
                            "127.0.0.1:" + runtime.getAddress().getPort());
            child.redirectErrorStream(true).redirectOutput(log.toFile());
            long started = System.nanoTime();
            Process process = child.start();
            process.onExit().thenRun(() -> answer.complete("ERROR the function's process ended"));
            try {
                String posted = answer.get(120, TimeUnit.SECONDS);
                long millis = (System.nanoTime() - started) / 1_000_000;
                System.out.println("cold start to the first answer: " + millis + " ms");
                assertThat(posted)
                        .as(Files.readString(log))
                        .doesNotStartWith("ERROR")
                        .doesNotStartWith("INIT");
                JsonNode response = Json.MAPPER.readTree(posted);
                assertThat(response.get("statusCode").asInt()).isEqualTo(200);
            } finally {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            runtime.stop(0);
        }
    }

    private static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
