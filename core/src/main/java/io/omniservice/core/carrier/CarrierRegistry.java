package io.omniservice.core.carrier;

import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.outbound.CarrierSender;
import io.omniservice.core.outbound.OutboundSend;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.core.outbound.SendResult;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * The configured carrier accounts, looked up by carrier wire name and account name. An account's adapter can
 * be replaced while the gateway runs (its credentials were rotated): a request that found the old adapter
 * finishes with it, the next one finds the new. What holds an account for longer than a request (a send
 * route) holds its {@link #current} view, which is always the account's adapter of the moment.
 */
public final class CarrierRegistry {
    public static final String DEFAULT_ACCOUNT = "default";

    private final AtomicReference<Map<String, CarrierAdapter>> byKey;

    public CarrierRegistry(Collection<CarrierAdapter> adapters) {
        this.byKey = new AtomicReference<>(
                adapters.stream().collect(Collectors.toUnmodifiableMap(a -> key(a.type(), a.account()), a -> a)));
    }

    public Optional<CarrierAdapter> find(String carrier, String account) {
        return CarrierType.fromWireName(carrier)
                .map(type -> byKey.get().get(key(type, account == null ? DEFAULT_ACCOUNT : account)));
    }

    public List<CarrierAdapter> all() {
        return List.copyOf(byKey.get().values());
    }

    /**
     * Puts each of {@code adapters} in place of its account's adapter, all in one step: no request sees some
     * replaced and others not.
     *
     * @throws IllegalArgumentException when an adapter is for an account that is not configured (replacing
     *     never adds an account: routes and URLs were set up for the configured ones)
     */
    public void replace(Collection<CarrierAdapter> adapters) {
        byKey.updateAndGet(current -> {
            Map<String, CarrierAdapter> next = new HashMap<>(current);
            for (CarrierAdapter adapter : adapters) {
                String key = key(adapter.type(), adapter.account());
                if (!current.containsKey(key)) {
                    throw new IllegalArgumentException("no carrier account " + key + " to replace");
                }
                next.put(key, adapter);
            }
            return Map.copyOf(next);
        });
    }

    /**
     * The account as an adapter that does each thing with the account's adapter of the moment.
     *
     * @throws IllegalArgumentException when the account is not configured
     */
    public CarrierAdapter current(CarrierType type, String account) {
        String key = key(type, account);
        if (!byKey.get().containsKey(key)) {
            throw new IllegalArgumentException("no carrier account " + key);
        }
        return new Current(type, account, () -> byKey.get().get(key));
    }

    private static String key(CarrierType type, String account) {
        return type.wireName() + '/' + account;
    }

    /** Delegates every call to the adapter the registry holds for its account when the call is made. */
    private record Current(CarrierType type, String account, java.util.function.Supplier<CarrierAdapter> now)
            implements CarrierAdapter {
        @Override
        public CarrierCapabilities capabilities() {
            return now.get().capabilities();
        }

        @Override
        public long maxBodyBytes() {
            return now.get().maxBodyBytes();
        }

        @Override
        public void verify(WebhookRequest request) throws WebhookRejection {
            now.get().verify(request);
        }

        @Override
        public List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection {
            return now.get().parse(request);
        }

        @Override
        public WebhookReply acknowledge(List<InboundEvent> events) {
            return now.get().acknowledge(events);
        }

        /**
         * Present when the adapter of the moment sends; each send goes through the adapter of its moment, and its
         * sender pool is the one of that moment too.
         */
        @Override
        public Optional<CarrierSender> sender() {
            if (now.get().sender().isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new CarrierSender() {
                @Override
                public SendResult send(OutboundSend send) throws SendFailure {
                    return now.get()
                            .sender()
                            .orElseThrow(() -> SendFailure.carrierRejected(
                                    "not_sending",
                                    type.wireName() + "/" + account + " is no longer configured to send",
                                    0))
                            .send(send);
                }

                @Override
                public List<String> numbers() {
                    return now.get().sender().map(CarrierSender::numbers).orElse(List.of());
                }
            });
        }

        @Override
        public MediaAccess mediaAccess() {
            return now.get().mediaAccess();
        }

        @Override
        public Optional<WebhookReply> onGet(WebhookRequest request) throws WebhookRejection {
            return now.get().onGet(request);
        }
    }
}
