package io.omniservice.server.http;

import io.omniservice.core.notify.EventSignal;
import io.omniservice.core.notify.NotificationStore;
import io.omniservice.core.rules.Rule;
import io.omniservice.core.rules.RuleStore;
import java.util.List;

/**
 * What the processing routes serve from: subscriptions and the published log, the rules (those of the
 * configuration file, read-only, and those stored through the API), the signal SSE streams wait on, the
 * clients' signing secrets, what one client may hold, and the check of every URL a client asks to be
 * called at (subscriptions, rule forwards, message callbacks), and the outbound store, whose waiting deliveries
 * and dead letters tell each subscription's delivery state.
 */
public record ProcessingApi(
        NotificationStore notifications,
        RuleStore rules,
        List<Rule> configuredRules,
        EventSignal published,
        Runnable rulesChanged,
        io.omniservice.core.access.SigningSecrets signing,
        io.omniservice.server.config.GatewayConfig.Limits limits,
        io.omniservice.core.outbound.DeliveryTargets targets,
        io.omniservice.core.outbound.OutboundStore deliveries) {}
