package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Paces sends per sender (carrier account + from number or sender id) to the messages per second carriers
 * allow it: a long code 1, a toll-free number 3, a short code 100, a WhatsApp business number 80 by default,
 * overridden per account and number. Sends of one sender are spaced {@code 1/rate} apart, and no more than
 * {@code rate} of them count in its window at once (each from its start until a second after its answer), so
 * the carrier sees no more than the rate in any second however the network delays each request;
 * a {@code high} send takes the next free turn before any waiting {@code normal} or {@code low} one. A 429
 * from the carrier halves the sender's rate and holds it for its {@code Retry-After}; each quiet
 * {@code recoverAfter} gives back a quarter of the configured rate. The pace is kept per node.
 */
public final class SenderPacing {
    /** Spacing above {@code 1/rate}: a little room, so sends do not queue up on the window's edge. */
    static final double HEADROOM = 1.02;
    /** The window a carrier counts its rate in. */
    static final Duration WINDOW = Duration.ofSeconds(1);
    /** How often a sender whose window is full of sends still unanswered looks again. */
    static final Duration POLL = Duration.ofMillis(10);
    /** The lowest a 429 takes a sender, as a share of its configured rate. */
    static final double FLOOR = 0.1;

    /** What a sender's number is, which sets its carrier-given rate. */
    public enum NumberType {
        LONG_CODE("longCode"),
        TOLL_FREE("tollFree"),
        SHORT_CODE("shortCode"),
        WHATSAPP("whatsapp"),
        ALPHANUMERIC("alphanumeric"),
        /** A channel with no per-sender cap (LiveChat): not paced. */
        UNPACED("unpaced");

        private final String configName;

        NumberType(String configName) {
            this.configName = configName;
        }

        public String configName() {
            return configName;
        }

        /** The number type of {@code from} on {@code carrier}. */
        public static NumberType of(CarrierType carrier, String from) {
            if (carrier == CarrierType.WHATSAPP) {
                return WHATSAPP;
            }
            if (carrier == CarrierType.LIVECHAT) {
                return UNPACED;
            }
            if (from == null || from.isBlank()) {
                return LONG_CODE;
            }
            if (from.matches("\\d{3,8}")) {
                return SHORT_CODE;
            }
            if (from.matches("\\+1(800|833|844|855|866|877|888)\\d{7}")) {
                return TOLL_FREE;
            }
            if (from.matches("\\+?\\d+")) {
                return LONG_CODE;
            }
            return ALPHANUMERIC;
        }
    }

    /** One sender's own rate: {@code from} null means every number of the account without its own entry. */
    public record SenderRate(CarrierType carrier, String account, String from, double messagesPerSecond) {}

    /**
     * {@code outbound.pacing}: on with {@code enabled: true}; rates per number type, then per sender.
     *
     * @param recoverAfter how long a throttled sender goes without a 429 before it takes back part of its rate
     */
    public record Settings(
            boolean enabled, Map<NumberType, Double> defaults, List<SenderRate> senders, Duration recoverAfter) {
        public Settings {
            defaults = Map.copyOf(defaults);
            senders = List.copyOf(senders);
        }

        /** Carriers' documented caps: Twilio's for US numbers, Meta's default for a WhatsApp business number. */
        public static final Map<NumberType, Double> CARRIER_DEFAULTS = Map.of(
                NumberType.LONG_CODE, 1.0,
                NumberType.TOLL_FREE, 3.0,
                NumberType.SHORT_CODE, 100.0,
                NumberType.WHATSAPP, 80.0,
                NumberType.ALPHANUMERIC, 10.0);

        /** Pacing off: the default until {@code outbound.pacing.enabled} turns it on. */
        public static Settings off() {
            return new Settings(false, CARRIER_DEFAULTS, List.of(), Duration.ofSeconds(10));
        }

        /** The configured rate of a sender, or 0 when it is not paced. */
        double rateOf(CarrierType carrier, String account, String from) {
            SenderRate accountWide = null;
            for (SenderRate rate : senders) {
                if (rate.carrier() == carrier && rate.account().equals(account)) {
                    if (Objects.equals(rate.from(), from)) {
                        return rate.messagesPerSecond();
                    }
                    if (rate.from() == null) {
                        accountWide = rate;
                    }
                }
            }
            if (accountWide != null) {
                return accountWide.messagesPerSecond();
            }
            return defaults.getOrDefault(NumberType.of(carrier, from), 0.0);
        }
    }

    /** Who sends: the carrier account and the number or id the recipient sees. */
    public record Sender(CarrierType carrier, String account, String from) {}

    private final Settings settings;
    private final Clock clock;
    private final Function<CarrierRoute, String> defaultFrom;
    private final ConcurrentHashMap<Sender, Bucket> buckets = new ConcurrentHashMap<>();
    /** Sends of each sender under way on this node, paced or not: what "least busy" compares. */
    private final ConcurrentHashMap<Sender, Integer> underway = new ConcurrentHashMap<>();

    /** @param defaultFrom the number or id an account sends from when a request names none */
    public SenderPacing(Settings settings, Clock clock, Function<CarrierRoute, String> defaultFrom) {
        this.settings = settings;
        this.clock = clock;
        this.defaultFrom = defaultFrom;
    }

    public static SenderPacing off(Clock clock) {
        return new SenderPacing(Settings.off(), clock, route -> null);
    }

    /** The sender a send of {@code from} (null: the account's own) over {@code route} goes from. */
    public Sender senderOf(CarrierRoute route, String from) {
        return new Sender(route.carrier(), route.account(), from != null ? from : defaultFrom.apply(route));
    }

    /**
     * One sender's turns: when the next send may go, at what rate now, who waits for a turn, and the sends of
     * the last second. A send counts in the window from when it starts until a second after the carrier
     * answered it: however late a request reaches the carrier, no later one starts while {@code rate} others
     * may still arrive within the same second, so the carrier never sees more than the rate in one second.
     */
    private final class Bucket {
        private final double configured;
        private double rate;
        private Instant nextFree;
        private Instant lastChange;
        private int highWaiting;
        private int inFlight;
        private final java.util.ArrayDeque<Instant> answeredUntil = new java.util.ArrayDeque<>();

        Bucket(double configured, Instant now) {
            this.configured = configured;
            this.rate = configured;
            this.nextFree = now;
            this.lastChange = now;
        }

        /** Takes the turn if it is free now and no high send waits ahead of this one; else how long to wait. */
        synchronized Duration tryTake(Priority priority, Instant now) {
            recover(now);
            while (!answeredUntil.isEmpty() && !answeredUntil.peekFirst().isAfter(now)) {
                answeredUntil.pollFirst();
            }
            boolean yields = priority != Priority.HIGH && highWaiting > 0;
            Duration wait = Duration.ZERO;
            if (now.isBefore(nextFree)) {
                wait = Duration.between(now, nextFree);
            } else if (inFlight + answeredUntil.size() >= perSecond()) {
                wait = answeredUntil.isEmpty() ? POLL : Duration.between(now, answeredUntil.peekFirst());
            } else if (yields) {
                wait = interval();
            }
            if (!wait.isZero()) {
                return wait.isNegative() || wait.isZero() ? Duration.ofMillis(1) : wait;
            }
            nextFree = now.plus(interval());
            inFlight++;
            return Duration.ZERO;
        }

        /** Sends one second may hold: the rate, and at least one (a rate under one is kept by the spacing). */
        private int perSecond() {
            return Math.max(1, (int) Math.floor(rate));
        }

        synchronized void answered(Instant now) {
            inFlight = Math.max(0, inFlight - 1);
            answeredUntil.addLast(now.plus(WINDOW));
        }

        private Duration interval() {
            return Duration.ofNanos((long) (1_000_000_000L * HEADROOM / rate));
        }

        private void recover(Instant now) {
            if (rate < configured && !now.isBefore(lastChange.plus(settings.recoverAfter()))) {
                rate = Math.min(configured, rate + configured / 4);
                lastChange = now;
            }
        }

        synchronized void throttled(Duration retryAfter, Instant now) {
            rate = Math.max(configured * FLOOR, rate / 2);
            lastChange = now;
            Instant resume = now.plus(retryAfter == null ? interval() : retryAfter);
            if (resume.isAfter(nextFree)) {
                nextFree = resume;
            }
        }

        synchronized void highWaits(int delta) {
            highWaiting += delta;
        }

        synchronized double rate() {
            return rate;
        }
    }

    private Bucket bucket(Sender sender) {
        double rate = settings.enabled() ? settings.rateOf(sender.carrier(), sender.account(), sender.from()) : 0;
        if (rate <= 0) {
            return null;
        }
        return buckets.computeIfAbsent(sender, s -> new Bucket(rate, clock.instant()));
    }

    /**
     * Takes {@code sender}'s turn now when it is free, or says how long until it may be: {@link Duration#ZERO}
     * means the send may go (an unpaced sender always may), and {@link #answered} must follow it.
     */
    public Duration tryTake(Sender sender, Priority priority) {
        Bucket bucket = bucket(sender);
        return bucket == null ? Duration.ZERO : bucket.tryTake(priority, clock.instant());
    }

    /**
     * Waits for {@code sender}'s turn on the calling (virtual) thread. A high send is counted as waiting, so
     * normal and low sends of the same sender let it go first.
     */
    public void awaitTurn(Sender sender, Priority priority) throws InterruptedException {
        Bucket bucket = bucket(sender);
        if (bucket == null) {
            return;
        }
        boolean high = priority == Priority.HIGH;
        if (high) {
            bucket.highWaits(1);
        }
        try {
            Duration wait;
            while (!(wait = bucket.tryTake(priority, clock.instant())).isZero()) {
                Thread.sleep(wait);
            }
        } finally {
            if (high) {
                bucket.highWaits(-1);
            }
        }
    }

    /**
     * The carrier answered a send that took {@code sender}'s turn (or it failed without an answer): it keeps
     * counting in the sender's window for one more second.
     */
    public void answered(Sender sender) {
        Bucket bucket = bucket(sender);
        if (bucket != null) {
            bucket.answered(clock.instant());
        }
    }

    /** Counts a high send as waiting for {@code sender}'s turn (+1) or no longer (-1), as {@link #awaitTurn} does. */
    void highWaiting(Sender sender, int delta) {
        Bucket bucket = bucket(sender);
        if (bucket != null) {
            bucket.highWaits(delta);
        }
    }

    /** The carrier answered 429 for {@code sender}: slow it down, and hold it for {@code retryAfter} if given. */
    public void throttled(Sender sender, Duration retryAfter) {
        Bucket bucket = bucket(sender);
        if (bucket != null) {
            bucket.throttled(retryAfter, clock.instant());
        }
    }

    /**
     * One more send of {@code sender} is under way on this node — waiting for its turn or at the carrier — until
     * {@link #done} is called for it.
     */
    public void underway(Sender sender) {
        underway.merge(sender, 1, Integer::sum);
    }

    /** A send counted by {@link #underway} ended, however it ended. */
    public void done(Sender sender) {
        underway.computeIfPresent(sender, (s, n) -> n <= 1 ? null : n - 1);
    }

    /** How busy {@code sender} is on this node: its sends waiting for a turn or at the carrier now. */
    public int load(Sender sender) {
        return underway.getOrDefault(sender, 0);
    }

    /** The rate {@code sender} is paced at now (messages per second); 0 when it is not paced. */
    public double rateOf(Sender sender) {
        Bucket bucket = bucket(sender);
        return bucket == null ? 0 : bucket.rate();
    }
}
