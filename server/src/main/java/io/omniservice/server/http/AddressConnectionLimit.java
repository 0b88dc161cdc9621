package io.omniservice.server.http;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At most {@code max} open connections from one remote address: a connection past that is closed as it
 * opens, so one host holding thousands of slow or idle connections cannot take the listener's capacity
 * from everyone else. (Jetty's own limits count all connections together.) Behind a proxy every connection
 * comes from the proxy: the proxies in {@code server.trustedProxies} are not limited this way (their
 * connections count only toward {@code maxConnections}).
 */
final class AddressConnectionLimit extends AbstractLifeCycle implements Connection.Listener {
    private static final Logger SECURITY = LoggerFactory.getLogger("omniservice.security");

    private final int max;
    private final io.omniservice.core.net.TrustedProxies proxies;
    private final Server server;
    private final Map<String, AtomicInteger> open = new ConcurrentHashMap<>();
    /** The address each counted connection was counted under: once closed, an endpoint no longer says it. */
    private final Map<Connection, String> counted = new ConcurrentHashMap<>();

    AddressConnectionLimit(int max, io.omniservice.core.net.TrustedProxies proxies, Server server) {
        this.max = max;
        this.proxies = proxies;
        this.server = server;
    }

    @Override
    protected void doStart() {
        for (Connector connector : server.getConnectors()) {
            connector.addEventListener(this);
        }
    }

    @Override
    public void onOpened(Connection connection) {
        String address = address(connection.getEndPoint().getRemoteSocketAddress());
        if (proxies.trusts(address)) {
            return;
        }
        counted.put(connection, address);
        int count = open.computeIfAbsent(address, a -> new AtomicInteger()).incrementAndGet();
        if (count > max) {
            if (count == max + 1) {
                SECURITY.warn(
                        "{} holds {} connections, the most one address may; closing the ones past that", address, max);
            }
            connection.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        String address = counted.remove(connection);
        if (address == null) {
            return;
        }
        open.computeIfPresent(address, (a, count) -> count.decrementAndGet() <= 0 ? null : count);
    }

    /** Open connections from {@code address} now (for tests). */
    int openFrom(String address) {
        AtomicInteger count = open.get(address);
        return count == null ? 0 : count.get();
    }

    private static String address(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress()
                : String.valueOf(remote);
    }
}
