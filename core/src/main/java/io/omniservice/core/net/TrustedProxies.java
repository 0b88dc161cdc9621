package io.omniservice.core.net;

import java.net.InetAddress;
import java.util.List;
import java.util.Optional;

/**
 * The proxies (load balancers) in front of the gateway, as CIDR blocks: when a request comes from one of
 * them, the client is the nearest address in {@code X-Forwarded-For} that is not itself a trusted proxy,
 * read from the right, since only the entries our own proxies appended can be believed; what a client
 * wrote there itself sits further left and is never taken. A request from anywhere else is its peer.
 */
public final class TrustedProxies {
    /** No proxy is trusted: the peer is always the client. */
    public static final TrustedProxies NONE = new TrustedProxies(List.of());

    private final List<Cidr> networks;

    private TrustedProxies(List<Cidr> networks) {
        this.networks = List.copyOf(networks);
    }

    /**
     * @param networks CIDR blocks such as {@code 10.0.0.0/8}, or single addresses
     * @throws IllegalArgumentException naming the block that is not one
     */
    public static TrustedProxies of(List<String> networks) {
        return new TrustedProxies(networks.stream().map(Cidr::parse).toList());
    }

    /** Whether {@code address} (an IP literal) is one of the trusted proxies. */
    public boolean trusts(String address) {
        if (networks.isEmpty() || address == null) {
            return false;
        }
        Optional<InetAddress> literal = Cidr.literal(address.strip());
        return literal.isPresent() && networks.stream().anyMatch(n -> n.contains(literal.get()));
    }

    /**
     * The client's address: {@code peer} itself unless it is a trusted proxy; then the right-most entry
     * of the {@code X-Forwarded-For} headers (each a comma-separated list, in order) that is not a trusted
     * proxy. An entry that is not an IP literal ends the walk there: it is returned as written, being what
     * the last trusted proxy was told.
     */
    public String clientAddress(String peer, List<String> forwardedFor) {
        if (!trusts(peer) || forwardedFor == null || forwardedFor.isEmpty()) {
            return peer;
        }
        String client = peer;
        List<String> hops = forwardedFor.stream()
                .flatMap(header -> java.util.Arrays.stream(header.split(",")))
                .map(String::strip)
                .filter(hop -> !hop.isEmpty())
                .toList();
        for (int i = hops.size() - 1; i >= 0; i--) {
            client = hops.get(i);
            if (!trusts(client)) {
                return client;
            }
        }
        return client;
    }
}
