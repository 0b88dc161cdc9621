package io.omniservice.server.support;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The played carriers of one test ({@code @RegisterExtension}): a WireMock server on a free port with templating on
 * (each answer may make its own message id), started before the test; after it, the gateway the test started and
 * then the server are stopped.
 */
public final class PlayedCarriers implements BeforeEachCallback, AfterEachCallback {
    private WireMockServer server;
    private RunningGateway gateway;

    @Override
    public void beforeEach(ExtensionContext context) {
        server =
                new WireMockServer(WireMockConfiguration.options().dynamicPort().globalTemplating(true));
        server.start();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (gateway != null) {
            gateway.close();
            gateway = null;
        }
        server.stop();
    }

    public WireMockServer server() {
        return server;
    }

    /** The carriers' API base URL, for the accounts' {@code apiBaseUrl}. */
    public String baseUrl() {
        return "http://localhost:" + server.port();
    }

    /** Keeps {@code started} to stop it after the test, and gives it back. */
    public RunningGateway gateway(RunningGateway started) {
        this.gateway = started;
        return started;
    }
}
