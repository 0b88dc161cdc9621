package io.omniservice.lambda;

import io.omniservice.aws.AwsStorage;
import io.omniservice.aws.dynamo.DynamoDbFeedStore;
import io.omniservice.aws.dynamo.DynamoDbOutboundStore;
import io.omniservice.core.net.HostResolver;
import io.omniservice.server.Gateway;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.config.ConfigLoader;
import java.io.PrintStream;
import java.net.URI;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.SfnClientBuilder;

/**
 * What every handler of one function instance shares: the gateway wired in-process from the environment
 * ({@link LambdaConfiguration}), the Step Functions client and the instance's node id. Built once at init, which
 * SnapStart snapshots; everything unique made then (the node id that names leases, the AWS and HTTP clients and
 * their connections, the secrets read from Secrets Manager) is made again in {@link #afterRestore}, so no two
 * instances restored from one snapshot share them. Secrets are read again once their cache time has passed, by
 * the invocation that finds them due ({@link #gateway}).
 */
public final class LambdaGateway implements Resource, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LambdaGateway.class);
    private static volatile LambdaGateway instance;

    /** One instance's wiring; replaced whole on restore. */
    private record Wired(Gateway gateway, SfnClient stepFunctions, String nodeId) {}

    private final Map<String, String> env;
    private final Clock clock;
    private final HostResolver resolver;
    private final BreakerMetric breakerMetric;
    private volatile Wired wired;

    private LambdaGateway(Map<String, String> env, Clock clock, HostResolver resolver, PrintStream metrics) {
        this.env = Map.copyOf(env);
        this.clock = clock;
        this.resolver = resolver;
        this.breakerMetric = new BreakerMetric(metrics, clock);
        this.wired = wire();
    }

    /** The function instance's gateway, built from the process environment on first use and kept for the next. */
    public static LambdaGateway instance() {
        LambdaGateway current = instance;
        if (current == null) {
            synchronized (LambdaGateway.class) {
                current = instance;
                if (current == null) {
                    long started = System.nanoTime();
                    current = open(System.getenv(), Clock.systemUTC(), HostResolver.SYSTEM, System.out);
                    Core.getGlobalContext().register(current);
                    instance = current;
                    LOG.info("gateway wired in {} ms", (System.nanoTime() - started) / 1_000_000);
                }
            }
        }
        return current;
    }

    /** A gateway on this environment (tests give their emulators' endpoints); {@code metrics} takes EMF lines. */
    public static LambdaGateway open(Map<String, String> env, Clock clock, HostResolver resolver, PrintStream metrics) {
        return new LambdaGateway(env, clock, resolver, metrics);
    }

    private Wired wire() {
        String nodeId = "lambda-" + UUID.randomUUID();
        ConfigLoader loader = new ConfigLoader(env, clock);
        Gateway gateway = Gateway.openInProcess(
                loader.readYaml(LambdaConfiguration.yaml(env, nodeId)),
                ConfiguredCarriers.installedProviders(),
                clock,
                resolver);
        gateway.carrierHealth().whenOpened(breakerMetric::open);
        return new Wired(gateway, newStepFunctions(), nodeId);
    }

    private SfnClient newStepFunctions() {
        SfnClientBuilder builder = SfnClient.builder()
                .region(Region.of(env.get("OMNI_REGION")))
                .httpClient(UrlConnectionHttpClient.create());
        String endpoints = env.get("OMNI_ENDPOINTS");
        if (endpoints != null) {
            for (String part : endpoints.split(",")) {
                String[] serviceAndUrl = part.split("=", 2);
                if (serviceAndUrl.length == 2 && serviceAndUrl[0].strip().equals("states")) {
                    builder.endpointOverride(URI.create(serviceAndUrl[1].strip()));
                }
            }
        }
        if (env.get("OMNI_ACCESS_KEY_ID") != null && env.get("OMNI_SECRET_ACCESS_KEY") != null) {
            builder.credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(env.get("OMNI_ACCESS_KEY_ID"), env.get("OMNI_SECRET_ACCESS_KEY"))));
        }
        return builder.build();
    }

    /**
     * The gateway, its secrets read again first when their cache time ({@code secrets.secretsManager
     * .cacheTtlSeconds}) has passed: an instance frozen between invocations runs no refresh thread, so the
     * invocation that finds them due reads them, and a rotated carrier credential or signing secret is in use
     * from then on, without waiting for a new instance.
     */
    public Gateway gateway() {
        Gateway gateway = wired.gateway();
        gateway.refreshSecretsIfDue();
        return gateway;
    }

    public AwsStorage storage() {
        return (AwsStorage) wired.gateway().store();
    }

    public DynamoDbFeedStore feed() {
        return (DynamoDbFeedStore) storage().feed();
    }

    public DynamoDbOutboundStore outbound() {
        return (DynamoDbOutboundStore) storage().outbound();
    }

    public SfnClient stepFunctions() {
        return wired.stepFunctions();
    }

    /** Names this instance's leases of sends and deliveries; new after every restore. */
    public String nodeId() {
        return wired.nodeId();
    }

    /** The workflow's ARN ({@code OMNI_STATE_MACHINE_ARN}; only the stream function has it). */
    public String stateMachineArn() {
        String arn = env.get("OMNI_STATE_MACHINE_ARN");
        if (arn == null || arn.isBlank()) {
            throw new IllegalStateException("OMNI_STATE_MACHINE_ARN is not set on this function");
        }
        return arn;
    }

    public BreakerMetric breakerMetric() {
        return breakerMetric;
    }

    public Clock clock() {
        return clock;
    }

    @Override
    public void beforeCheckpoint(Context<? extends Resource> context) {
        // nothing to do before: the snapshot holds the wiring, which afterRestore replaces whole
    }

    /**
     * After a SnapStart restore: a new node id, new AWS and HTTP clients (the snapshot's connections are dead
     * and would be shared by every restored copy), secrets read again, random state made anew; then the old
     * wiring is closed.
     */
    @Override
    public void afterRestore(Context<? extends Resource> context) {
        Wired old = wired;
        wired = wire();
        closeQuietly(old);
        LOG.info("restored: wiring made anew as {}", wired.nodeId());
    }

    @Override
    public void close() {
        closeQuietly(wired);
    }

    private static void closeQuietly(Wired old) {
        try {
            old.stepFunctions().close();
            old.gateway().close();
        } catch (RuntimeException e) {
            LOG.warn("closing the previous wiring: {}", e.toString());
        }
    }
}
