package io.omniservice.core.carrier;

import io.omniservice.core.model.CarrierType;

/**
 * Makes adapters for one carrier; found with {@link java.util.ServiceLoader}, so adding a carrier is one
 * module and one {@code META-INF/services} line. {@link #create} validates the settings and throws
 * {@link io.omniservice.core.config.ConfigException} naming the bad key.
 */
public interface CarrierProvider {
    CarrierType type();

    CarrierAdapter create(CarrierSettings settings, CarrierContext context);
}
