package io.omniservice.server.support;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierProvider;
import io.omniservice.core.carrier.CarrierSettings;
import io.omniservice.core.carrier.WebhookReply;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * A test double of the carrier SPI for testing the server's plumbing, not any carrier: it records the
 * {@link WebhookRequest} the HTTP layer built and returns the events the test scripts. Real carriers'
 * authentication and parsing are tested in their own modules.
 */
public final class ScriptedCarrier implements CarrierProvider {
    private final CarrierType type;
    private final AtomicReference<Seen> lastSeen = new AtomicReference<>();
    private volatile Function<WebhookRequest, List<InboundEvent>> events = request -> List.of();

    /** What an adapter saw: which account was asked, the request, and whether it ran on a virtual thread. */
    public record Seen(String account, WebhookRequest request, boolean onVirtualThread) {}

    public ScriptedCarrier(CarrierType type) {
        this.type = type;
    }

    public void answerWith(Function<WebhookRequest, List<InboundEvent>> events) {
        this.events = events;
    }

    public Seen lastSeen() {
        return lastSeen.get();
    }

    @Override
    public CarrierType type() {
        return type;
    }

    @Override
    public CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        settings.rejectUnknown(java.util.Set.of("note", "maxBodyBytes"));
        String limit = settings.optional("maxBodyBytes", null);
        return new Adapter(
                settings.account(), limit == null ? CarrierAdapter.DEFAULT_MAX_BODY_BYTES : Long.parseLong(limit));
    }

    private final class Adapter implements CarrierAdapter {
        private final String account;
        private final long maxBodyBytes;

        Adapter(String account, long maxBodyBytes) {
            this.account = account;
            this.maxBodyBytes = maxBodyBytes;
        }

        @Override
        public long maxBodyBytes() {
            return maxBodyBytes;
        }

        @Override
        public CarrierType type() {
            return type;
        }

        @Override
        public String account() {
            return account;
        }

        @Override
        public CarrierCapabilities capabilities() {
            return new CarrierCapabilities(true, false, false, false, false, 0, List.of(), 1000);
        }

        @Override
        public void verify(WebhookRequest request) {
            lastSeen.set(new Seen(account, request, Thread.currentThread().isVirtual()));
        }

        @Override
        public List<InboundEvent> parse(WebhookRequest request) {
            return events.apply(request);
        }

        @Override
        public WebhookReply acknowledge(List<InboundEvent> stored) {
            return WebhookReply.text(200, "text/xml", "<Response/>");
        }

        @Override
        public Optional<WebhookReply> onGet(WebhookRequest request) {
            lastSeen.set(new Seen(account, request, Thread.currentThread().isVirtual()));
            return Optional.of(WebhookReply.text(200, "text/plain", "handshake:" + request.queryParam("challenge")));
        }
    }
}
