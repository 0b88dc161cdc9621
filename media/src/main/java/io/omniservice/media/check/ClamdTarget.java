package io.omniservice.media.check;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/** Where clamd listens, as written in configuration: {@code tcp://127.0.0.1:3310} or {@code unix:/run/clamav/clamd.ctl}. */
public sealed interface ClamdTarget {
    /** The address to connect to; a TCP host name is resolved on each call. */
    SocketAddress socketAddress();

    record Tcp(String host, int port) implements ClamdTarget {
        @Override
        public SocketAddress socketAddress() {
            return new InetSocketAddress(host, port);
        }

        @Override
        public String toString() {
            return "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    record Unix(Path path) implements ClamdTarget {
        @Override
        public SocketAddress socketAddress() {
            return UnixDomainSocketAddress.of(path);
        }

        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /**
     * @throws IllegalArgumentException naming the text when it is neither form
     */
    public static ClamdTarget parse(String text) {
        String usage = "clamd address '" + text + "' is not tcp://host:port or unix:/path/to/clamd.sock";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(usage);
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("unix:")) {
            String path = trimmed.substring("unix:".length());
            if (path.startsWith("//")) {
                path = path.substring(2);
            }
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException(usage + ": the socket path must be absolute");
            }
            return new Unix(Path.of(path));
        }
        if (trimmed.startsWith("tcp://")) {
            URI uri;
            try {
                uri = new URI(trimmed);
            } catch (java.net.URISyntaxException e) {
                throw new IllegalArgumentException(usage, e);
            }
            String host = uri.getHost();
            if (host == null
                    || uri.getPort() < 1
                    || (uri.getRawPath() != null && !uri.getRawPath().isEmpty())) {
                throw new IllegalArgumentException(usage + ": it needs a host and a port, and nothing after them");
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            return new Tcp(host, uri.getPort());
        }
        throw new IllegalArgumentException(usage);
    }
}
