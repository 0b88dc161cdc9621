package io.omniservice.server;

import io.omniservice.core.access.ClientSecretStore;
import io.omniservice.core.access.SigningSecrets;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierRegistry;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.InMemoryReplayGuard;
import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.feed.FeedStore;
import io.omniservice.core.feed.FeedWorker;
import io.omniservice.core.inbound.WebhookIngress;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.net.AddressGuard;
import io.omniservice.core.net.HostResolver;
import io.omniservice.core.notify.EventSignal;
import io.omniservice.core.notify.NotificationStore;
import io.omniservice.core.outbound.CallbackDispatcher;
import io.omniservice.core.outbound.CarrierHealth;
import io.omniservice.core.outbound.CarrierHttp;
import io.omniservice.core.outbound.CarrierRoute;
import io.omniservice.core.outbound.CarrierSelector;
import io.omniservice.core.outbound.DeliveryTargets;
import io.omniservice.core.outbound.OutboundService;
import io.omniservice.core.outbound.OutboundSettings;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.outbound.RoutingRule;
import io.omniservice.core.outbound.SendDispatcher;
import io.omniservice.core.outbound.SenderPacing;
import io.omniservice.core.outbound.TemplateRegistry;
import io.omniservice.core.rules.Rule;
import io.omniservice.core.rules.RuleBook;
import io.omniservice.core.store.Storage;
import io.omniservice.core.trace.Tracing;
import io.omniservice.core.workflow.AutoReplies;
import io.omniservice.core.workflow.ComplianceStep;
import io.omniservice.core.workflow.DuplicateDeliveryStep;
import io.omniservice.core.workflow.MediaConversionStep;
import io.omniservice.core.workflow.NotificationStep;
import io.omniservice.core.workflow.RulesStep;
import io.omniservice.core.workflow.WorkflowEngine;
import io.omniservice.core.workflow.Workflows;
import io.omniservice.media.fetch.GuardedDeliveryClient;
import io.omniservice.server.carrier.ConfiguredCarriers;
import io.omniservice.server.config.DevelopmentPlaceholders;
import io.omniservice.server.config.GatewayConfig;
import io.omniservice.server.config.LoadedConfig;
import io.omniservice.server.http.GatewayHttpServer;
import io.omniservice.server.http.MediaApi;
import io.omniservice.server.http.OutboundApi;
import io.omniservice.server.http.ProcessingApi;
import io.omniservice.server.logging.LogFormat;
import io.omniservice.server.media.ConfiguredMedia;
import io.omniservice.server.media.CountedMedia;
import io.omniservice.server.metrics.GatewayMetrics;
import io.omniservice.server.trace.ConfiguredTracing;
import io.omniservice.store.jdbc.JdbcMessageStore;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place the application is wired, by constructor: configuration → carriers → store →
 * {@link WebhookIngress} → HTTP server. {@link #close()} stops HTTP first, so no request reaches a closing
 * store, then the store, which finishes its pending group commit.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    private static final String CALLBACK_NETWORKS = "outbound.callbacks.allowedNetworks";

    private final Storage store;
    private final SendDispatcher dispatcher;
    private final CallbackDispatcher callbacks;
    private final FeedWorker feedWorker;
    private final Thread housekeeping;
    /** Stops the housekeeping thread, which is not interrupted: H2 closes its file under an interrupted thread. */
    private final java.util.concurrent.CountDownLatch housekeepingStops = new java.util.concurrent.CountDownLatch(1);

    private final MediaApi media;
    private final WorkflowEngine engine;
    private final CarrierHealth health;
    private final GatewayMetrics metrics;
    private final GatewayHttpServer http;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final SigningSecrets signing;
    /** The trace SDK when {@code tracing.enabled}; flushed and closed last. */
    private final ConfiguredTracing traces;
    /** Puts rotated secrets to work; null when no configuration value comes from a secret. */
    private SecretRotation rotation;

    /** Wires the gateway around a store that is already open; it is closed with the gateway. */
    public Gateway(GatewayConfig config, CarrierRegistry carriers, Storage store, Clock clock) {
        this(config, carriers, store, clock, HostResolver.SYSTEM);
    }

    /**
     * With {@code resolver} answering the host names of the URLs clients give (tests give public-looking
     * names their own answers).
     */
    public Gateway(GatewayConfig config, CarrierRegistry carriers, Storage store, Clock clock, HostResolver resolver) {
        this(config, carriers, store, clock, resolver, false, ConfiguredTracing.open(config.telemetry()));
    }

    private Gateway(
            GatewayConfig config,
            CarrierRegistry carriers,
            Storage store,
            Clock clock,
            HostResolver resolver,
            boolean inProcess,
            ConfiguredTracing traces) {
        this.store = store;
        this.traces = traces;
        Tracing tracing = traces.tracing();
        this.metrics = new GatewayMetrics();
        WebhookIngress ingress = new WebhookIngress(carriers, store.messages(), clock, tracing);
        OutboundStore outbound = store.outbound();
        OutboundSettings settings = config.outbound().settings();
        // one rule for every URL a client gives us to call, checked when it is given and at each delivery
        AddressGuard callbackGuard =
                new AddressGuard(CALLBACK_NETWORKS, settings.callbacks().allowedNetworks(), resolver);
        DeliveryTargets targets = new DeliveryTargets(callbackGuard);
        checkConfiguredForwards(config.processing().rules(), targets);
        Map<String, BigDecimal> costs = ConfiguredCarriers.costs(config.carriers());
        List<CarrierRoute> routes = new ArrayList<>();
        for (CarrierAdapter configured : carriers.all()) {
            // a route keeps the account, not today's adapter: a rotated credential reaches the next send
            CarrierAdapter adapter = carriers.current(configured.type(), configured.account());
            adapter.sender()
                    .ifPresent(sender -> routes.add(new CarrierRoute(
                            adapter,
                            sender,
                            costs.getOrDefault(adapter.type().wireName() + "/" + adapter.account(), BigDecimal.ZERO))));
        }
        this.media = ConfiguredMedia.build(
                config.media(),
                config.server().publicBaseUrl(),
                store::sharedKey,
                clock,
                !(config.storage() instanceof GatewayConfig.Storage.Embedded));
        MediaPipeline pipeline = new CountedMedia(media.pipeline(), metrics);
        CarrierHealth health = new CarrierHealth(settings.breaker());
        this.health = health;
        TemplateRegistry templates = new TemplateRegistry(config.templates());
        CachedRead<List<RoutingRule>> rules = new CachedRead<>(outbound::routingRules, clock);
        CarrierSelector selector =
                new CarrierSelector(routes, health, templates, rules::current, settings.whatsAppWindow(), pipeline);
        String publicBaseUrl = config.server().publicBaseUrl();
        var contacts = new io.omniservice.core.contact.Contacts(store.contacts(), store.messages(), clock);
        this.dispatcher = new SendDispatcher(
                outbound,
                store.messages()::message,
                new SenderPacing(config.outbound().pacing(), clock, route -> defaultFrom(config, route)),
                selector,
                health,
                settings,
                clock,
                config.outbound().nodeId(),
                route -> URI.create(publicBaseUrl + "/webhooks/"
                        + route.carrier().wireName()
                        + (CarrierRegistry.DEFAULT_ACCOUNT.equals(route.account()) ? "" : "/" + route.account())),
                pipeline,
                contacts,
                tracing);
        FeedStore feed = store.feed();
        SigningSecrets signing = signingSecrets(config, store.clientSecrets(), clock);
        this.signing = signing;
        this.callbacks = new CallbackDispatcher(
                outbound,
                settings,
                signing,
                new GuardedDeliveryClient(callbackGuard, settings.callbacks().timeout()),
                clock,
                config.outbound().nodeId(),
                tracing,
                store.messages());
        OutboundService service =
                new OutboundService(outbound, selector, clock, dispatcher, pipeline, contacts, tracing);

        GatewayConfig.Processing processing = config.processing();
        CachedRead<RuleBook> businessRules = new CachedRead<>(
                () -> {
                    List<Rule> all = new ArrayList<>(processing.rules());
                    all.addAll(store.rules().storedRules());
                    return RuleBook.of(all);
                },
                clock);
        AutoReplies replies = new AutoReplies(service);
        EventSignal published = new EventSignal();
        this.engine = new WorkflowEngine(
                Workflows.standard(
                        new ComplianceStep(processing.compliance(), replies),
                        new MediaConversionStep(
                                pipeline,
                                (carrier, account) -> carriers.find(carrier.wireName(), account)
                                        .map(CarrierAdapter::mediaAccess)
                                        .orElse(MediaAccess.PUBLIC),
                                processing.retry().maxAttempts()),
                        new RulesStep(businessRules::current, replies),
                        // the push-notification port: the AWS mode's SNS topic, when one is configured
                        new NotificationStep(store.eventPublishers()),
                        new DuplicateDeliveryStep(metrics::duplicateDelivery),
                        processing.retry()),
                feed,
                store.messages(),
                clock,
                // new deliveries reach the dispatcher through the store's hand-off; SSE streams are woken here
                published::published,
                pipeline::view,
                tracing);
        this.feedWorker = new FeedWorker(
                new io.omniservice.server.metrics.TimedFeed(feed, metrics, clock),
                engine,
                processing.settings(),
                clock);
        watch(metrics, routes, health, outbound, feedWorker, clock);
        this.housekeeping = Thread.ofPlatform()
                .name("omniservice-housekeeping")
                .daemon(true)
                .unstarted(() -> pruneEvents(store.notifications(), processing.keepEvents(), clock, housekeepingStops));
        this.http = new GatewayHttpServer(
                config.server(),
                config.api(),
                ingress,
                store,
                new OutboundApi(service, outbound, selector, health, templates, rules::invalidate, contacts),
                new ProcessingApi(
                        store.notifications(),
                        store.rules(),
                        processing.rules(),
                        published,
                        businessRules::invalidate,
                        signing,
                        config.api().limits(),
                        targets,
                        outbound),
                media,
                metrics,
                clock,
                inProcess,
                tracing);
    }

    /**
     * What the dashboard and alerts read besides requests: each sending carrier account's health and breaker,
     * the dead letters waiting (read from the store at most every 30 s, whatever the scrape rate), and the
     * events this node holds.
     */
    private static void watch(
            GatewayMetrics metrics,
            List<CarrierRoute> routes,
            CarrierHealth health,
            OutboundStore outbound,
            FeedWorker worker,
            Clock clock) {
        for (CarrierRoute route : routes) {
            metrics.watchCarrier(
                    route.carrier().wireName(),
                    route.account(),
                    () -> health.health(route) != CarrierHealth.Health.DOWN,
                    () -> health.breaker(route).getState().name().toLowerCase(java.util.Locale.ROOT),
                    () -> {
                        float rate = health.breaker(route).getMetrics().getFailureRate();
                        return rate < 0 ? Double.NaN : rate / 100.0;
                    });
        }
        var deadLetters =
                new java.util.concurrent.atomic.AtomicReference<java.util.Map.Entry<java.time.Instant, Integer>>();
        metrics.watchDeadLetters(() -> {
            var last = deadLetters.get();
            java.time.Instant now = clock.instant();
            if (last == null || now.isAfter(last.getKey().plusSeconds(30))) {
                int waiting = (int) outbound.deadLetters(1000).stream()
                        .filter(letter -> letter.replayedAt() == null)
                        .count();
                last = java.util.Map.entry(now, waiting);
                deadLetters.set(last);
            }
            return last.getValue();
        });
        metrics.watchEventsHeld(worker::held);
    }

    /**
     * The configuration file's rules forward only where the API would let a client forward: a forward to a
     * refused address stops the start, naming the rule's key.
     */
    /**
     * The number or id an account sends from when a request names none, as configured: {@code from}, or a
     * WhatsApp account's {@code phoneNumberId}; null when neither is set.
     */
    static String defaultFrom(GatewayConfig config, CarrierRoute route) {
        CarrierSettings settings =
                config.carriers().getOrDefault(route.carrier(), Map.of()).get(route.account());
        if (settings == null) {
            return null;
        }
        String from = settings.optional("from", null);
        return from != null ? from : settings.optional("phoneNumberId", null);
    }

    private static void checkConfiguredForwards(List<Rule> rules, DeliveryTargets targets) {
        for (int i = 0; i < rules.size(); i++) {
            try {
                targets.checkForwards(rules.get(i));
            } catch (DeliveryTargets.Refused e) {
                throw new ConfigException(
                        "processing.rules[" + i + "]." + e.field(),
                        e.detail()
                                + (DeliveryTargets.URL_NOT_ALLOWED.equals(e.code())
                                        ? " (open a private network with " + CALLBACK_NETWORKS + ")"
                                        : ""));
            }
        }
    }

    /**
     * Each client signs its callbacks and forwards with its own secret: the one its key is configured with,
     * else one it rotated in. The gateway's secret ({@code outbound.callbacks.signingSecret}) signs the
     * configuration file's rules' forwards, and the callbacks of a lone API key, as it always did.
     */
    private static SigningSecrets signingSecrets(GatewayConfig config, ClientSecretStore secrets, Clock clock) {
        List<GatewayConfig.ApiKey> keys = config.api().keys();
        return new SigningSecrets(
                configuredSigningSecrets(config),
                keys.size() == 1 ? keys.getFirst().name() : null,
                gatewaySigningSecret(config),
                secrets,
                clock);
    }

    /** The signing secrets the configuration gives API keys, by client name. */
    static Map<String, String> configuredSigningSecrets(GatewayConfig config) {
        Map<String, String> configured = new java.util.HashMap<>();
        for (GatewayConfig.ApiKey key : config.api().keys()) {
            if (key.signingSecret() != null) {
                configured.put(key.name(), key.signingSecret());
            }
        }
        return configured;
    }

    static String gatewaySigningSecret(GatewayConfig config) {
        return config.outbound().settings().callbacks().signingSecret();
    }

    /** Published events older than {@code keep} are forgotten, hourly: SSE clients cannot resume from further back. */
    private static void pruneEvents(
            NotificationStore notifications, Duration keep, Clock clock, java.util.concurrent.CountDownLatch stop) {
        Duration wait = Duration.ofHours(1);
        try {
            while (!stop.await(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                try {
                    int pruned =
                            notifications.prunePublishedBefore(clock.instant().minus(keep));
                    if (pruned > 0) {
                        LOG.info("{} published events older than {} forgotten", pruned, keep);
                    }
                    wait = Duration.ofHours(1);
                } catch (RuntimeException e) {
                    LOG.warn("published events not pruned: {}", e.toString());
                    wait = Duration.ofMinutes(1);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Builds everything the configuration describes, with the carrier providers on the classpath. Carriers
     * are built first: their settings are validated before the store creates any file.
     */
    public static Gateway open(GatewayConfig config) {
        return open(config, ConfiguredCarriers.installedProviders(), Clock.systemUTC());
    }

    /**
     * {@link #open(GatewayConfig)} for a configuration whose values may come from secrets: while it runs, the
     * gateway reads them again every cache time and puts rotated carrier credentials and signing secrets to
     * work (see {@link SecretRotation}).
     */
    public static Gateway open(LoadedConfig loaded) {
        return open(loaded, ConfiguredCarriers.installedProviders(), Clock.systemUTC(), HostResolver.SYSTEM);
    }

    public static Gateway open(
            LoadedConfig loaded, Iterable<CarrierProvider> providers, Clock clock, HostResolver resolver) {
        Gateway gateway;
        try {
            gateway = open(loaded.config(), providers, clock, resolver, loaded);
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
        if (gateway.rotation == null) {
            loaded.close(); // nothing comes from a secret: the source is not needed again
        }
        return gateway;
    }

    public static Gateway open(GatewayConfig config, Iterable<CarrierProvider> providers, Clock clock) {
        return open(config, providers, clock, HostResolver.SYSTEM);
    }

    /** With {@code resolver} answering for the hosts of client-given URLs; see the constructor. */
    public static Gateway open(
            GatewayConfig config, Iterable<CarrierProvider> providers, Clock clock, HostResolver resolver) {
        return open(config, providers, clock, resolver, (LoadedConfig) null);
    }

    private static Gateway open(
            GatewayConfig config,
            Iterable<CarrierProvider> providers,
            Clock clock,
            HostResolver resolver,
            LoadedConfig loaded) {
        return open(config, providers, clock, resolver, loaded, false, ConfiguredTracing.open(config.telemetry()));
    }

    /** With spans recorded by {@code tracing} whatever {@code tracing:} says (a test's in-memory exporter). */
    public static Gateway open(
            GatewayConfig config,
            Iterable<CarrierProvider> providers,
            Clock clock,
            HostResolver resolver,
            Tracing tracing) {
        return open(config, providers, clock, resolver, null, false, ConfiguredTracing.using(tracing));
    }

    /**
     * The gateway as one Lambda function instance runs it: wired as {@link #open(LoadedConfig)} wires it, but
     * nothing runs on its own (no feed worker, send loop, callback loop, housekeeping or secret refresh) and the
     * HTTP routes listen on no port: requests are handed over in memory ({@link #respond}), and the functions
     * call the workflow, send and delivery code themselves. Secrets are read when it is opened, and again when
     * the caller asks {@link #refreshSecretsIfDue} once their cache time has passed.
     */
    public static Gateway openInProcess(
            LoadedConfig loaded, Iterable<CarrierProvider> providers, Clock clock, HostResolver resolver) {
        // a function's log lines go to CloudWatch: logging.format json makes them queryable fields there
        LogFormat.apply(loaded.config().logging());
        Gateway gateway;
        try {
            gateway = open(
                    loaded.config(),
                    providers,
                    clock,
                    resolver,
                    loaded,
                    true,
                    ConfiguredTracing.open(loaded.config().telemetry()));
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
        if (gateway.rotation == null) {
            loaded.close(); // nothing comes from a secret: the source is not needed again
        }
        gateway.http.startInProcess();
        return gateway;
    }

    private static Gateway open(
            GatewayConfig config,
            Iterable<CarrierProvider> providers,
            Clock clock,
            HostResolver resolver,
            LoadedConfig loaded,
            boolean inProcess,
            ConfiguredTracing traces) {
        // Carriers are built (and their settings checked) before the store opens; the one-time tokens they
        // see go to the store's guard, shared by every node on the same database, once it is open.
        AtomicReference<ReplayGuard> tokens = new AtomicReference<>(new InMemoryReplayGuard(clock));
        CarrierContext context;
        CarrierRegistry carriers;
        Storage store;
        try {
            context = new CarrierContext(
                    clock,
                    (scope, id, expiresAt) -> tokens.get().firstUse(scope, id, expiresAt),
                    CarrierHttp.withTimeout(config.outbound().settings().sendTimeout(), traces.tracing()));
            carriers = ConfiguredCarriers.build(config.carriers(), providers, context);
            warnAboutPlaceholders(config);
            store = openStore(config, clock);
        } catch (RuntimeException e) {
            traces.close();
            throw e;
        }
        Gateway gateway;
        try {
            tokens.set(store.replayGuard(clock));
            gateway = new Gateway(config, carriers, store, clock, resolver, inProcess, traces);
        } catch (RuntimeException e) {
            store.close();
            traces.close();
            throw e;
        }
        if (loaded != null && loaded.refreshInterval().isPresent()) {
            gateway.rotation = new SecretRotation(loaded, carriers, providers, context, gateway.signing, clock);
        }
        return gateway;
    }

    static Storage openStore(GatewayConfig config, Clock clock) {
        return switch (config.storage()) {
            case GatewayConfig.Storage.Embedded embedded ->
                switch (embedded.engine()) {
                    case H2 -> JdbcMessageStore.embedded(embedded.path());
                    case SQLITE -> JdbcMessageStore.sqlite(embedded.path());
                };
            case GatewayConfig.Storage.Postgres postgres ->
                JdbcMessageStore.postgres(
                        postgres.jdbcUrl(), postgres.username(), postgres.password(), postgres.poolSize());
            case GatewayConfig.Storage.Aws aws ->
                io.omniservice.aws.AwsStorage.open(
                        aws.settings(), config.processing().keepEvents(), clock);
        };
    }

    private static void warnAboutPlaceholders(GatewayConfig config) {
        // One line per section (api.keys, carriers.<c>.<account>), naming the keys but never their values.
        Map<String, List<String>> bySection = new TreeMap<>();
        for (String key : DevelopmentPlaceholders.in(config)) {
            int dot = key.lastIndexOf('.');
            bySection
                    .computeIfAbsent(key.substring(0, dot), s -> new ArrayList<>())
                    .add(key.substring(dot + 1));
        }
        bySection.forEach((section, keys) -> LOG.warn(
                "{}: {} {} the example's development placeholder ({}...), which anyone can forge; set a real"
                        + " value (config/omniservice.yaml names the environment variable)",
                section,
                String.join(", ", keys),
                keys.size() == 1 ? "still holds" : "still hold",
                DevelopmentPlaceholders.PREFIX));
    }

    /** Starts serving HTTP; returns the bound port. */
    public int start() {
        // the worker takes events from the first commit on, so it starts before requests arrive
        feedWorker.start();
        housekeeping.start();
        int port = http.start();
        dispatcher.start();
        callbacks.start();
        if (rotation != null) {
            rotation.start();
        }
        LOG.info("omniservice listening on port {}", port);
        return port;
    }

    /** Every route the HTTP server answers ({@link GatewayHttpServer#routes()}). */
    public java.util.List<String> routes() {
        return http.routes();
    }

    public Storage store() {
        return store;
    }

    /** Serves one HTTP request given as its bytes on an {@link #openInProcess} gateway; see the HTTP server. */
    public java.nio.ByteBuffer respond(java.nio.ByteBuffer request, Duration timeout) throws Exception {
        return http.respond(request, timeout);
    }

    /** The workflows the feed worker runs, for a caller that runs an event's steps itself. */
    public WorkflowEngine workflows() {
        return engine;
    }

    /** The send code the dispatcher runs (selection, retries, breakers, fallback), for {@code sendNow}. */
    public SendDispatcher sends() {
        return dispatcher;
    }

    /** The delivery code of callbacks, subscription events and forwards, for {@code deliverDue}. */
    public CallbackDispatcher deliveries() {
        return callbacks;
    }

    /** The carriers' circuit breakers. */
    public CarrierHealth carrierHealth() {
        return health;
    }

    /**
     * Reads the configuration's secrets again now, rather than at the next refresh interval, and puts what
     * changed to work; returns the keys whose values changed (none when no value comes from a secret).
     */
    public java.util.Set<String> refreshSecrets() {
        return rotation == null ? java.util.Set.of() : rotation.refresh();
    }

    /**
     * For an {@link #openInProcess} gateway, where no thread reads the secrets again: reads them now when their
     * cache time has passed since they were last read, and puts what changed to work; returns the keys whose
     * values changed (none when nothing was due, or no value comes from a secret).
     */
    public java.util.Set<String> refreshSecretsIfDue() {
        return rotation == null ? java.util.Set.of() : rotation.refreshIfDue();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return; // the shutdown hook and a failed start may both get here
        }
        try {
            if (rotation != null) {
                rotation.close();
            }
            http.close();
            dispatcher.close();
            callbacks.close();
            // last: sends stopped above may still store outcomes whose events it takes
            feedWorker.close();
            housekeepingStops.countDown();
        } finally {
            try {
                media.blobs().close();
                store.close();
            } finally {
                metrics.close();
                traces.close();
                LOG.info("omniservice stopped");
            }
        }
    }
}
