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

/** The http4k DynamoDB fake in this JVM on a free port, and an SDK client on it. */
final class FakeDynamo implements AutoCloseable {
    private static final Object ONE_AT_A_TIME = new Object();

    private final Http4kServer server;
    private final DynamoDbClient client;

    private FakeDynamo(Http4kServer server, DynamoDbClient client) {
        this.server = server;
        this.client = client;
    }

    static FakeDynamo start() {
        FakeDynamoDb fake = new FakeDynamoDb();
        Function1<Request, Response> serial = request -> {
            // The fake keeps its tables in plain maps: requests at once corrupt them (it answers 500). DynamoDB
            // runs each request atomically; so does the fake, one at a time. Reads, plans and writes of
            // concurrent commits still interleave between requests, as against DynamoDB. One at a time in the
            // whole JVM, not per fake: the fake's expression parsers are shared by every fake, and test classes
            // running at once fail each other's parses (NoMatchingParsers, a 500) otherwise.
            Response response;
            try {
                synchronized (ONE_AT_A_TIME) {
                    response = fake.invoke(request);
                }
            } catch (RuntimeException e) {
                System.err.println("http4k DynamoDB fake failed on " + request.header("X-Amz-Target") + ": " + e);
                throw e;
            }
            if (response.getStatus().getCode() >= 500) {
                // the fake answers what it cannot do with a bare 500: say which request it was
                System.err.println("http4k DynamoDB fake answered " + response.getStatus() + " to "
                        + request.header("X-Amz-Target") + " " + request.bodyString() + ": " + response.bodyString());
            }
            return response;
        };
        Http4kServer server = Http4kServerKt.asServer(serial, new SunHttp(0)).start();
        return new FakeDynamo(server, client(URI.create("http://127.0.0.1:" + server.port())));
    }

    static DynamoDbClient client(URI endpoint) {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    /** A prefix no other test class uses, so classes running at once keep to their own tables. */
    static String uniquePrefix(String name) {
        return name + "-" + UUID.randomUUID().toString().substring(0, 8) + "-";
    }

    DynamoDbClient client() {
        return client;
    }

    @Override
    public void close() {
        client.close();
        server.stop();
    }
}
