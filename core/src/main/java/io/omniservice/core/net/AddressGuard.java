package io.omniservice.core.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Decides whether the gateway may connect to a URL's host: only http(s), no credentials in the URL, and
 * every address the host resolves to public, unless it lies in a configured allowed network. Clients choose
 * the URLs the gateway fetches media from and POSTs callbacks, events and forwards to, so without this the
 * gateway would call its own admin ports, the cloud metadata service or the office network for them. Every
 * such call goes through one of these: the media fetcher's ({@code media.fetch.allowedNetworks}) and the
 * delivery client's ({@code outbound.callbacks.allowedNetworks}).
 *
 * <p>An HTTP client that resolves host names through {@link #connectable} connects only to an address checked
 * at that moment: a DNS server that answers a public address to the check and a private one to the connection
 * (DNS rebinding) gets nowhere.
 */
public final class AddressGuard {
    private record Range(Cidr cidr, String kind) {}

    private static final List<Range> REFUSED = List.of(
            range("0.0.0.0/8", "an unspecified ('this network') address"),
            range("10.0.0.0/8", "a private address"),
            range("100.64.0.0/10", "a carrier-grade NAT address"),
            range("127.0.0.0/8", "a loopback address"),
            range("169.254.0.0/16", "a link-local address (cloud metadata lives there)"),
            range("172.16.0.0/12", "a private address"),
            range("192.0.0.0/24", "an IETF protocol address"),
            range("192.168.0.0/16", "a private address"),
            range("198.18.0.0/15", "a benchmarking address"),
            range("224.0.0.0/4", "a multicast address"),
            range("240.0.0.0/4", "a reserved or broadcast address"),
            range("::/128", "the unspecified address"),
            range("::1/128", "a loopback address"),
            range("::/96", "an IPv4-compatible address"),
            range("100::/64", "a discard-only address"),
            range("fc00::/7", "a unique-local address"),
            range("fe80::/10", "a link-local address"),
            range("fec0::/10", "a site-local address"),
            range("ff00::/8", "a multicast address"));

    // Labels that end in a number make browsers and curl read the whole host as an IPv4 address
    // (2130706433, 0x7f.1, 0177.0.0.1); refuse rather than guess which reading a resolver would use.
    private static final Pattern NUMERIC_LAST_LABEL = Pattern.compile("(?i)(0x[0-9a-f]*|[0-9]+)\\.?");

    private final String setting;
    private final List<Cidr> allowed;
    private final HostResolver resolver;

    /**
     * @param setting the configuration key of {@code allowedNetworks}, named in refusals so an operator knows
     *     where to open a network
     * @param allowedNetworks CIDRs reachable even though they are private, e.g. {@code 10.20.0.0/16} for an
     *     internal media server
     * @throws IllegalArgumentException when one of them is not a network, naming it
     */
    public AddressGuard(String setting, List<String> allowedNetworks, HostResolver resolver) {
        this.setting = Objects.requireNonNull(setting, "setting");
        Objects.requireNonNull(allowedNetworks, "allowedNetworks");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.allowed = allowedNetworks.stream()
                .map(text -> {
                    try {
                        return Cidr.parse(text);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(setting + ": " + e.getMessage(), e);
                    }
                })
                .toList();
    }

    public AddressGuard(String setting, List<String> allowedNetworks) {
        this(setting, allowedNetworks, HostResolver.SYSTEM);
    }

    /**
     * Checks {@code uri} and returns the addresses its host resolves to, all of them allowed.
     *
     * @throws AddressRefused {@code bad_url} for a scheme other than http(s), userinfo, a missing or numeric
     *     host in a non-standard notation, or a host that does not resolve; {@code address_not_allowed} when
     *     any address is refused
     */
    public List<InetAddress> check(URI uri) throws AddressRefused {
        if (uri == null || !uri.isAbsolute()) {
            throw new AddressRefused(AddressRefused.BAD_URL, uri, "the URL is not absolute");
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new AddressRefused(
                    AddressRefused.BAD_URL, uri, "only http and https URLs are accepted, not " + scheme);
        }
        if (uri.getRawUserInfo() != null) {
            throw new AddressRefused(AddressRefused.BAD_URL, uri, "credentials in the URL are not accepted");
        }
        String host = uri.getHost() == null ? null : uri.getHost().toLowerCase(Locale.ROOT);
        if (host == null || host.isEmpty()) {
            throw new AddressRefused(AddressRefused.BAD_URL, uri, "the URL has no valid host name");
        }
        return checked(uri, host);
    }

    /**
     * The addresses of {@code host} a connection may go to, resolved now and each checked: the HTTP client's
     * resolver, so it never connects to an address this guard did not see.
     *
     * @throws RefusedHost (an {@link UnknownHostException}) carrying the refusal
     */
    public InetAddress[] connectable(String host) throws UnknownHostException {
        String name = host.toLowerCase(Locale.ROOT);
        URI uri; // names the host in a refusal's message
        try {
            uri = URI.create("http://" + (name.contains(":") && !name.startsWith("[") ? "[" + name + "]" : name) + "/");
        } catch (IllegalArgumentException e) {
            throw new UnknownHostException("'" + host + "' is not a host name");
        }
        try {
            return checked(uri, name).toArray(InetAddress[]::new);
        } catch (AddressRefused refused) {
            throw new RefusedHost(refused);
        }
    }

    /** A host the guard refused at connect time; the HTTP client reports it as a host it cannot resolve. */
    public static final class RefusedHost extends UnknownHostException {
        private final AddressRefused refusal;

        RefusedHost(AddressRefused refusal) {
            super(refusal.getMessage());
            this.refusal = refusal;
        }

        public AddressRefused refusal() {
            return refusal;
        }
    }

    private List<InetAddress> checked(URI uri, String host) throws AddressRefused {
        List<InetAddress> addresses = resolve(uri, host);
        for (InetAddress address : addresses) {
            Optional<String> refusal = refusal(address);
            if (refusal.isPresent()) {
                throw new AddressRefused(
                        AddressRefused.ADDRESS_NOT_ALLOWED,
                        uri,
                        host + " is " + address.getHostAddress() + ", " + refusal.get() + ", and not in " + setting);
            }
        }
        return addresses;
    }

    private List<InetAddress> resolve(URI uri, String host) throws AddressRefused {
        if (host.startsWith("[") && host.endsWith("]")) {
            String inner = host.substring(1, host.length() - 1);
            int zone = inner.indexOf('%');
            return List.of(Cidr.literal(zone < 0 ? inner : inner.substring(0, zone))
                    .orElseThrow(
                            () -> new AddressRefused(AddressRefused.BAD_URL, uri, "the IPv6 address is malformed")));
        }
        Optional<InetAddress> literal = Cidr.literal(host);
        if (literal.isPresent()) {
            return List.of(literal.get());
        }
        String[] labels = host.split("\\.");
        if (NUMERIC_LAST_LABEL.matcher(labels[labels.length - 1]).matches()) {
            throw new AddressRefused(
                    AddressRefused.BAD_URL, uri, "the host is a numeric address in a non-standard notation");
        }
        InetAddress[] resolved;
        try {
            resolved = resolver.resolve(host);
        } catch (UnknownHostException e) {
            throw new AddressRefused(AddressRefused.BAD_URL, uri, "the host name does not resolve");
        }
        if (resolved == null || resolved.length == 0) {
            throw new AddressRefused(AddressRefused.BAD_URL, uri, "the host name does not resolve");
        }
        return Arrays.asList(resolved.clone());
    }

    /** Why the gateway may not connect to {@code address}; empty when it may. */
    Optional<String> refusal(InetAddress address) {
        Optional<InetAddress> embedded = embeddedIpv4(address);
        if (isAllowed(address) || embedded.filter(this::isAllowed).isPresent()) {
            return Optional.empty();
        }
        if (embedded.isPresent()) {
            Optional<String> inner = refusedKind(embedded.get());
            if (inner.isPresent()) {
                return Optional.of("which embeds " + embedded.get().getHostAddress() + ", " + inner.get());
            }
        }
        return refusedKind(address);
    }

    private boolean isAllowed(InetAddress address) {
        return allowed.stream().anyMatch(cidr -> cidr.contains(address));
    }

    private static Optional<String> refusedKind(InetAddress address) {
        return REFUSED.stream()
                .filter(r -> r.cidr().contains(address))
                .map(Range::kind)
                .findFirst();
    }

    /**
     * The IPv4 address inside IPv4-compatible ({@code ::a.b.c.d}), NAT64 ({@code 64:ff9b::/96}) and 6to4
     * ({@code 2002::/16}) forms; the JVM already turns IPv4-mapped ({@code ::ffff:a.b.c.d}) into IPv4.
     */
    private static Optional<InetAddress> embeddedIpv4(InetAddress address) {
        if (!(address instanceof Inet6Address)) {
            return Optional.empty();
        }
        byte[] b = address.getAddress();
        byte[] v4;
        if (isZero(b, 0, 12) && !isZero(b, 12, 14)) {
            v4 = Arrays.copyOfRange(b, 12, 16);
        } else if (b[0] == 0
                && (b[1] & 0xFF) == 0x64
                && (b[2] & 0xFF) == 0xFF
                && (b[3] & 0xFF) == 0x9B
                && isZero(b, 4, 12)) {
            v4 = Arrays.copyOfRange(b, 12, 16);
        } else if ((b[0] & 0xFF) == 0x20 && (b[1] & 0xFF) == 0x02) {
            v4 = Arrays.copyOfRange(b, 2, 6);
        } else {
            return Optional.empty();
        }
        try {
            return Optional.of((Inet4Address) InetAddress.getByAddress(v4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    private static Range range(String cidr, String kind) {
        return new Range(Cidr.parse(cidr), kind);
    }
}
