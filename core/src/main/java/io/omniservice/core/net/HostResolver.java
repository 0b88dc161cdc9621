package io.omniservice.core.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Turns a host name into its addresses for the {@link AddressGuard}; tests give public-looking names fake answers. */
@FunctionalInterface
public interface HostResolver {
    InetAddress[] resolve(String host) throws UnknownHostException;

    /** The JVM's resolver, with its cache. */
    HostResolver SYSTEM = InetAddress::getAllByName;
}
