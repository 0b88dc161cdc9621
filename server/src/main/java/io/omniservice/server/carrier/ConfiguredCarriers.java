package io.omniservice.server.carrier;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierRegistry;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.UnfilledAccount;
import io.omniservice.core.config.ConfigException;
import io.omniservice.core.model.CarrierType;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * Builds the carrier accounts of the configuration with the providers on the classpath: each provider
 * validates its own settings, and a configured carrier without a provider stops start-up. An account whose
 * settings still hold {@link CarrierSettings#UNFILLED} is an {@link UnfilledAccount} until they are filled in.
 */
public final class ConfiguredCarriers {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ConfiguredCarriers.class);

    private ConfiguredCarriers() {}

    /** The providers the classpath registers in {@code META-INF/services}. */
    public static List<CarrierProvider> installedProviders() {
        List<CarrierProvider> providers = new ArrayList<>();
        ServiceLoader.load(CarrierProvider.class).forEach(providers::add);
        return providers;
    }

    public static CarrierRegistry build(
            Map<CarrierType, Map<String, CarrierSettings>> configured,
            Iterable<CarrierProvider> providers,
            CarrierContext context) {
        Map<CarrierType, CarrierProvider> byType = byType(providers);
        List<CarrierAdapter> adapters = new ArrayList<>();
        configured.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(carrier -> {
            CarrierProvider provider = byType.get(carrier.getKey());
            if (provider == null) {
                throw new ConfigException(
                        "carriers." + carrier.getKey().wireName(),
                        "no provider for this carrier is on the classpath (is its module in the build?)");
            }
            carrier.getValue().values().forEach(settings -> adapters.add(create(provider, settings, context)));
        });
        return new CarrierRegistry(adapters);
    }

    /**
     * New adapters for the accounts whose settings differ between {@code before} and {@code after} (a secret
     * they read was rotated), made by the same providers; an account in one and not the other is not touched,
     * since rotation never adds or removes accounts.
     *
     * @throws ConfigException naming the key when a provider refuses an account's new settings
     */
    public static List<CarrierAdapter> rebuildChanged(
            Map<CarrierType, Map<String, CarrierSettings>> before,
            Map<CarrierType, Map<String, CarrierSettings>> after,
            Iterable<CarrierProvider> providers,
            CarrierContext context) {
        Map<CarrierType, CarrierProvider> byType = byType(providers);
        List<CarrierAdapter> rebuilt = new ArrayList<>();
        after.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(carrier -> {
            Map<String, CarrierSettings> was = before.getOrDefault(carrier.getKey(), Map.of());
            carrier.getValue().forEach((account, settings) -> {
                CarrierSettings old = was.get(account);
                if (old != null && !old.equals(settings)) {
                    rebuilt.add(create(byType.get(carrier.getKey()), settings, context));
                }
            });
        });
        return rebuilt;
    }

    private static Map<CarrierType, CarrierProvider> byType(Iterable<CarrierProvider> providers) {
        Map<CarrierType, CarrierProvider> byType = new EnumMap<>(CarrierType.class);
        for (CarrierProvider provider : providers) {
            CarrierProvider previous = byType.putIfAbsent(provider.type(), provider);
            if (previous != null) {
                throw new IllegalStateException(
                        "two providers for carrier " + provider.type().wireName() + ": "
                                + previous.getClass().getName() + " and "
                                + provider.getClass().getName());
            }
        }
        return byType;
    }

    /** A key every carrier account may have, read by the gateway rather than the carrier's provider. */
    public static final String COST_PER_MESSAGE = "costPerMessage";

    /**
     * What each account costs per message ({@code carrier/account} → {@code costPerMessage}, default 0),
     * which ranks carriers when routing rules and history do not decide.
     */
    public static Map<String, BigDecimal> costs(Map<CarrierType, Map<String, CarrierSettings>> configured) {
        Map<String, BigDecimal> costs = new HashMap<>();
        configured.forEach((type, accounts) -> accounts.values().forEach(settings -> {
            Object raw = settings.values().get(COST_PER_MESSAGE);
            BigDecimal cost = BigDecimal.ZERO;
            if (raw != null) {
                try {
                    cost = new BigDecimal(raw.toString().trim());
                } catch (NumberFormatException e) {
                    throw new ConfigException(
                            settings.path() + "." + COST_PER_MESSAGE, "must be a decimal number such as 0.0079");
                }
                if (cost.signum() < 0) {
                    throw new ConfigException(settings.path() + "." + COST_PER_MESSAGE, "must not be negative");
                }
            }
            costs.put(type.wireName() + "/" + settings.account(), cost);
        }));
        return costs;
    }

    private static CarrierAdapter create(CarrierProvider provider, CarrierSettings original, CarrierContext context) {
        List<String> unfilled = original.unfilledKeys();
        if (!unfilled.isEmpty()) {
            LOG.warn(
                    "{}: {} still {} {}; the account takes no webhook (503) and sends nothing until it is filled in",
                    original.path(),
                    String.join(", ", unfilled),
                    unfilled.size() == 1 ? "holds" : "hold",
                    CarrierSettings.UNFILLED);
            return new UnfilledAccount(provider.type(), original.account(), unfilled);
        }
        Map<String, Object> own = new HashMap<>(original.values());
        own.remove(COST_PER_MESSAGE);
        CarrierSettings settings = new CarrierSettings(original.path(), original.account(), own);
        CarrierAdapter adapter = provider.create(settings, context);
        if (adapter.type() != provider.type() || !settings.account().equals(adapter.account())) {
            // The registry keys adapters by what they report; a mismatch would route webhooks elsewhere.
            throw new IllegalStateException(provider.getClass().getName() + " made an adapter for "
                    + adapter.type().wireName() + "/" + adapter.account() + " from " + settings.path());
        }
        return adapter;
    }
}
