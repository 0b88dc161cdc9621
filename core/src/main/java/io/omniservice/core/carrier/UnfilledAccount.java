package io.omniservice.core.carrier;

import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.outbound.CarrierSender;
import io.omniservice.core.outbound.SendFailure;
import java.util.List;
import java.util.Optional;

/**
 * A carrier account whose settings still hold {@link CarrierSettings#UNFILLED} in {@code keys}: it verifies no
 * webhook (503 {@code account_not_configured}, so a carrier that retries delivers again once the account is
 * filled in) and sends nothing (the next eligible carrier is tried). When rotated secrets fill it in, the registry
 * swaps in the carrier's real adapter, and sends and webhooks go through from then on.
 */
public record UnfilledAccount(CarrierType type, String account, List<String> keys) implements CarrierAdapter {
    public UnfilledAccount {
        keys = List.copyOf(keys);
    }

    private String why() {
        return type.wireName() + "/" + account + " is not configured yet: " + String.join(", ", keys) + " still "
                + (keys.size() == 1 ? "holds " : "hold ") + CarrierSettings.UNFILLED;
    }

    /**
     * Everything, so selection takes the account as it will once it is filled in, and the send says why it
     * cannot go ({@code account_not_configured}) rather than a capability the account lacks.
     */
    @Override
    public CarrierCapabilities capabilities() {
        return new CarrierCapabilities(true, true, true, true, true, Long.MAX_VALUE, List.of(), Integer.MAX_VALUE);
    }

    @Override
    public void verify(WebhookRequest request) throws WebhookRejection {
        throw WebhookRejection.notConfigured(why());
    }

    @Override
    public List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection {
        throw WebhookRejection.notConfigured(why());
    }

    @Override
    public Optional<WebhookReply> onGet(WebhookRequest request) throws WebhookRejection {
        throw WebhookRejection.notConfigured(why());
    }

    /** A route, so the account sends once it is filled in; until then each send is refused for another carrier. */
    @Override
    public Optional<CarrierSender> sender() {
        return Optional.of(send -> {
            throw SendFailure.carrierRejected("account_not_configured", why(), 0);
        });
    }
}
