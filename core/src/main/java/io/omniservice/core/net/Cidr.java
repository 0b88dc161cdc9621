package io.omniservice.core.net;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 network written {@code address/prefix}, parsed without ever asking DNS. */
record Cidr(byte[] network, int prefix, String text) {
    private static final Pattern OCTET = Pattern.compile("25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");

    /**
     * Parses {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is the single-host network.
     *
     * @throws IllegalArgumentException naming the text and what is wrong with it
     */
    static Cidr parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("empty network; expected e.g. 10.0.0.0/8 or fd00::/8");
        }
        String trimmed = text.strip();
        int slash = trimmed.indexOf('/');
        String addressText = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] address = literal(addressText)
                .orElseThrow(() -> new IllegalArgumentException(
                        "'" + text + "' is not a network: '" + addressText + "' is not an IPv4 or IPv6 address"))
                .getAddress();
        int max = address.length * 8;
        int prefix = max;
        if (slash >= 0) {
            String prefixText = trimmed.substring(slash + 1);
            try {
                prefix = Integer.parseInt(prefixText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has a prefix length that is not a number");
            }
            if (prefix < 0 || prefix > max) {
                throw new IllegalArgumentException(
                        "'" + text + "' has prefix length " + prefix + "; it must be 0 to " + max);
            }
        }
        byte[] network = mask(address, prefix);
        if (!Arrays.equals(network, address)) {
            throw new IllegalArgumentException("'" + text + "' has bits set after the prefix; did you mean "
                    + format(network) + "/" + prefix + "?");
        }
        return new Cidr(network, prefix, trimmed);
    }

    boolean contains(InetAddress address) {
        byte[] bytes = address.getAddress();
        return bytes.length == network.length && Arrays.equals(mask(bytes, prefix), network);
    }

    /**
     * An IP literal as standard notation writes it: a dotted quad without leading zeros, or an IPv6
     * address. Anything else (host names, {@code 0x7f.1}, {@code 2130706433}) is empty.
     */
    static java.util.Optional<InetAddress> literal(String text) {
        String[] octets = text.split("\\.", -1);
        boolean dottedQuad = octets.length == 4
                && Arrays.stream(octets).allMatch(o -> OCTET.matcher(o).matches());
        boolean ipv6 = text.contains(":") && IPV6_CHARS.matcher(text).matches();
        if (!dottedQuad && !ipv6) {
            return java.util.Optional.empty();
        }
        try {
            // A literal: InetAddress parses it and asks no resolver.
            return java.util.Optional.of(InetAddress.getByName(text));
        } catch (UnknownHostException e) {
            return java.util.Optional.empty();
        }
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int bits = Math.clamp(prefix - i * 8L, 0, 8);
            out[i] &= (byte) (0xFF << (8 - bits));
        }
        return out;
    }

    private static String format(byte[] address) {
        try {
            return InetAddress.getByAddress(address).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
