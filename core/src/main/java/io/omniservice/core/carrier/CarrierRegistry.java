package io.omniservice.core.carrier;

import io.omniservice.core.model.CarrierType;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/** The configured carrier accounts, looked up by carrier wire name and account name. */
public final class CarrierRegistry {
    public static final String DEFAULT_ACCOUNT = "default";

    private final Map<String, CarrierAdapter> byKey;

    public CarrierRegistry(Collection<CarrierAdapter> adapters) {
        this.byKey = adapters.stream().collect(Collectors.toUnmodifiableMap(a -> key(a.type(), a.account()), a -> a));
    }

    public Optional<CarrierAdapter> find(String carrier, String account) {
        return CarrierType.fromWireName(carrier)
                .map(type -> byKey.get(key(type, account == null ? DEFAULT_ACCOUNT : account)));
    }

    public List<CarrierAdapter> all() {
        return List.copyOf(byKey.values());
    }

    private static String key(CarrierType type, String account) {
        return type.wireName() + '/' + account;
    }
}
