package io.omniservice.server.http;

import io.omniservice.core.outbound.CarrierHealth;
import io.omniservice.core.outbound.CarrierSelector;
import io.omniservice.core.outbound.OutboundService;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.outbound.TemplateRegistry;

/**
 * What the outbound routes serve from: the send service and the outbound side of the store, and the contacts
 * whose identities a send may go across.
 */
public record OutboundApi(
        OutboundService service,
        OutboundStore store,
        CarrierSelector selector,
        CarrierHealth health,
        TemplateRegistry templates,
        Runnable routingRulesChanged,
        io.omniservice.core.contact.Contacts contacts) {}
