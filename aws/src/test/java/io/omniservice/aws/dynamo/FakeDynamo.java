package io.omniservice.aws.dynamo;

import java.net.URI;
import java.util.UUID;
import kotlin.jvm.functions.Function1;
import org.http4k.connect.amazon.dynamodb.FakeDynamoDb;
import org.http4k.core.Request;
import org.http4k.core.Response;
import org.http4k.server.Http4kServer;
import org.http4k.server.Http4kServerKt;
import org.http4k.server.SunHttp;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The http4k DynamoDB fake in this JVM on a free port, and an SDK client on it. Every test of the module that
 * needs the fake starts it here: the fakes of one JVM must take requests one at a time (see {@link #start}).
 */
public final class FakeDynamo implements AutoCloseable {
    private static final Object ONE_AT_A_TIME = new Object();

    /** Requests the fake could not serve, said why; the SDK retries a 500 quietly, so {@link #close} reports them. */
    private final java.util.Queue<String> unserved;

    private final Http4kServer server;
    private final DynamoDbClient client;

    private FakeDynamo(Http4kServer server, DynamoDbClient client, java.util.Queue<String> unserved) {
        this.server = server;
        this.client = client;
        this.unserved = unserved;
    }

    public static FakeDynamo start() {
        FakeDynamoDb fake = new FakeDynamoDb();
        java.util.Queue<String> unserved = new java.util.concurrent.ConcurrentLinkedQueue<>();

        Function1<Request, Response> serial = received -> {
            // read once, so that a failure can still say what the request was
            String body;
            try {
                body = received.bodyString();
            } catch (RuntimeException cut) {
                body = null;
            }
            String length = received.header("Content-Length");
            if (body == null
                    || (length != null
                            && body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                                    < Long.parseLong(length.trim()))) {
                // a client killed while sending (the crash tests' kill -9): the request never was whole, so
                // nothing is done, as DynamoDB would do nothing; the client is gone and no answer reaches it
                return Response.Companion.create(org.http4k.core.Status.BAD_REQUEST);
            }
            Request request = received.body(body);
            // The fake is not safe for requests at once: it keeps its tables in plain maps, and its expression
            // parser (parser4k) shares state between all fakes of the JVM, which then misparses or answers 500.
            // DynamoDB runs each request atomically; every fake here runs one request at a time, all fakes of
            // the JVM included. Reads, plans and writes of concurrent commits still interleave between
            // requests, as against DynamoDB.
            Response response;
            try {
                synchronized (ONE_AT_A_TIME) {
                    response = ConditionalDeletes.invoke(fake, request, body);
                }
            } catch (RuntimeException e) {
                java.io.StringWriter trace = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(trace));
                unserved.add("failed on " + request.header("X-Amz-Target") + " " + body + ": " + trace);
                throw e;
            }
            if (response.getStatus().getCode() >= 500) {
                // the fake answers what it cannot do with a bare 500: say which request it was
                unserved.add("answered " + response.getStatus() + " to " + request.header("X-Amz-Target") + " " + body
                        + ": " + response.bodyString());
            }
            return response;
        };
        Http4kServer server = Http4kServerKt.asServer(serial, new SunHttp(0)).start();
        return new FakeDynamo(server, client(URI.create("http://127.0.0.1:" + server.port())), unserved);
    }

    public static DynamoDbClient client(URI endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** A prefix no other test class uses, so classes running at once keep to their own tables. */
    public static String uniquePrefix(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    }

    /** Where the fake answers, for a client made elsewhere (a gateway process). */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.port());
    }

    public DynamoDbClient client() {
        return client;
    }

    /** Stops the fake; fails if it could not serve some request (a gap in the fake, or a request it misread). */
    @Override
    public void close() {
        client.close();
        server.stop();
        if (!unserved.isEmpty()) {
            // in the message itself: the server threads' error output does not reach the test's report
            throw new AssertionError("the http4k DynamoDB fake could not serve " + unserved.size() + " requests:\n"
                    + String.join("\n", unserved));
        }
    }
}
