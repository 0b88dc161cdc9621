package io.omniservice.store.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.ConversationKey;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageIds;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.NormalizedMessage;
import io.omniservice.core.model.Sender;
import io.omniservice.core.outbound.AcceptResult;
import io.omniservice.core.outbound.CallbackDelivery;
import io.omniservice.core.outbound.DeadLetter;
import io.omniservice.core.outbound.DeliveryFallback;
import io.omniservice.core.outbound.DeliveryTimeout;
import io.omniservice.core.outbound.DeliveryWatch;
import io.omniservice.core.outbound.NumberUse;
import io.omniservice.core.outbound.OutboundStore;
import io.omniservice.core.outbound.Priority;
import io.omniservice.core.outbound.QueuedMessage;
import io.omniservice.core.outbound.ReceiptDeadline;
import io.omniservice.core.outbound.RecipientFacts;
import io.omniservice.core.outbound.RoutingRule;
import io.omniservice.core.outbound.SendAttempt;
import io.omniservice.core.outbound.SendJob;
import io.omniservice.core.outbound.SendOutcome;
import io.omniservice.core.outbound.SendPlan;
import io.omniservice.core.outbound.SendResult;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Storage;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The outbound store's contract, run on every whole {@link Storage} with the message store's own: leases,
 * order, outcomes, idempotency, opt-outs, callbacks, routing rules and dead letters. Tests share one
 * storage, so each looks only at the jobs and messages it made.
 */
public abstract class OutboundStoreContract extends MessageStoreContract {
    private static final Duration LEASE = Duration.ofMinutes(5);

    /** The whole storage under test; its {@link Storage#messages()} is the contract's {@link #store}. */
    protected Storage storage;

    /** A storage on an empty database of the adapter under test; null (with {@link #unavailable} set) if none. */
    protected abstract Storage openStorage() throws Exception;

    @Override
    protected final MessageStore openMessageStore() throws Exception {
        storage = openStorage();
        return storage == null ? null : storage.messages();
    }

    @Override
    protected void closeStore() throws Exception {
        storage.close();
    }

    @Override
    protected ReplayGuard replayGuard(Clock clock) {
        return storage.replayGuard(clock);
    }

    @Override
    protected boolean ready() {
        return storage.isReady();
    }

    /** The opt-outs the outbound store reads before a send: those of the participant's own conversation. */
    @Override
    protected Set<String> optedOutChannels(String participant) {
        return storage.outbound()
                .recipientFacts(new ConversationKey(participant))
                .optedOutChannels();
    }

    private OutboundStore outbound() {
        return storage.outbound();
    }

    /** A text to {@code to} over Twilio, due at {@code notBefore}. */
    protected QueuedMessage queued(String to, Priority priority, Instant notBefore, String callbackUrl) {
        return queued(to, priority, notBefore, callbackUrl, now());
    }

    private QueuedMessage queued(String to, Priority priority, Instant notBefore, String callbackUrl, Instant at) {
        ConversationKey key = new ConversationKey(to);
        NormalizedMessage message = new NormalizedMessage(
                MessageIds.next(Clock.systemUTC()),
                key.conversationId(),
                Direction.OUTBOUND,
                Sender.phone("+14155550199", null),
                to,
                text("hello"),
                new MessageMetadata(CarrierType.TWILIO, "default", null, null, null, at, null, null));
        SendPlan plan = new SendPlan(to, null, text("hello"), null, null, null, null, CarrierType.TWILIO, "default");
        return new QueuedMessage(message, key, plan, priority, notBefore, null, callbackUrl, null, "{}", null);
    }

    /** {@code q}'s message with other metadata, sent by {@code plan}, due now (no expiry, callback or key). */
    private static QueuedMessage with(QueuedMessage q, MessageMetadata metadata, SendPlan plan) {
        NormalizedMessage m = q.message();
        return new QueuedMessage(
                new NormalizedMessage(
                        m.messageId(),
                        m.conversationId(),
                        m.direction(),
                        m.sender(),
                        m.recipient(),
                        m.content(),
                        metadata),
                q.conversation(),
                plan,
                Priority.NORMAL,
                now(),
                null,
                null,
                null,
                "{}",
                null);
    }

    /** {@code q} with another plan (and no expiry, callback or idempotency key). */
    private static QueuedMessage withPlan(QueuedMessage q, SendPlan plan) {
        return new QueuedMessage(
                q.message(), q.conversation(), plan, q.priority(), q.notBefore(), null, null, null, q.response(), null);
    }

    /** The ids of {@code jobs} that are among {@code mine}, in the order leased. */
    protected List<String> claimedOf(List<SendJob> jobs, List<String> mine) {
        return jobs.stream().map(SendJob::messageId).filter(mine::contains).toList();
    }

    private static SendAttempt sentAttempt() {
        return new SendAttempt(CarrierType.TWILIO, "default", now(), 12, "sent", 201, null, null, "+14155550100");
    }

    /** The status workflow asks whose a message is without reading all of it: the sending client, or nobody. */
    @Test
    void aMessagesOwnerIsTheClientThatSentItAndNobodyForAnInboundOne() {
        QueuedMessage plain = queued(phone(), Priority.NORMAL, now(), null);
        NormalizedMessage m = plain.message();
        MessageMetadata d = m.metadata();
        outbound()
                .accept(with(
                        plain,
                        new MessageMetadata(
                                d.carrier(), d.account(), null, null, null, d.receivedAt(), null, null, "crm", null),
                        plain.plan()));
        String sender = phone();
        InboundBatch.NewMessage inbound =
                inbound(CarrierType.TWILIO, carrierId(), new Sender(sender, sender, null), now(), text("hi"));
        store.commit(batch(inbound));

        assertThat(store.owner(m.messageId())).contains(new MessageStore.Owner("crm"));
        assertThat(store.owner(inbound.message().messageId())).contains(new MessageStore.Owner(null));
        assertThat(store.owner(MessageIds.next(Clock.systemUTC()))).isEmpty();
        assertThat(store.owner(m.messageId()))
                .contains(MessageStore.Owner.of(store.message(m.messageId()).orElseThrow()));
    }

    @Test
    void jobsAreLeasedHighPriorityFirstThenInRequestOrderOneAtATimePerConversation() {
        String alice = phone();
        String bob = phone();
        QueuedMessage a1 = queued(alice, Priority.NORMAL, now(), null);
        QueuedMessage a2 = queued(alice, Priority.HIGH, now(), null);
        QueuedMessage b1 = queued(bob, Priority.LOW, now(), null);
        QueuedMessage b2 = queued(bob, Priority.HIGH, now(), null);
        for (QueuedMessage q : List.of(a1, a2, b1, b2)) {
            assertThat(outbound().accept(q)).isEqualTo(new AcceptResult.Stored());
        }
        List<String> mine = List.of(a1, a2, b1, b2).stream()
                .map(q -> q.message().messageId())
                .toList();

        List<SendJob> first = outbound().claimDue("node-a", Instant.now(), LEASE, 10_000);

        // each conversation's earliest request goes first, whatever the priority of a later one
        assertThat(claimedOf(first, mine))
                .containsExactly(a1.message().messageId(), b1.message().messageId());
        assertThat(claimedOf(outbound().claimDue("node-b", Instant.now(), LEASE, 10_000), mine))
                .isEmpty();

        outbound()
                .finish(new SendOutcome.Sent(
                        a1.message().messageId(),
                        a1.message().conversationId(),
                        CarrierType.TWILIO,
                        "default",
                        new SendResult(carrierId(), "queued", 1),
                        List.of(sentAttempt())));
        assertThat(claimedOf(outbound().claimDue("node-b", Instant.now(), LEASE, 10_000), mine))
                .containsExactly(a2.message().messageId());
    }

    @Test
    void aSendJobKeepsWhetherItMayGoAcrossChannels() {
        QueuedMessage plain = queued(phone(), Priority.NORMAL, now(), null);
        SendPlan p = plain.plan();
        SendPlan acrossChannels = new SendPlan(
                p.to(),
                p.from(),
                p.content(),
                null,
                null,
                null,
                null,
                p.selectedCarrier(),
                p.selectedAccount(),
                null,
                null,
                null,
                List.of(),
                null,
                true);
        QueuedMessage across = withPlan(plain, acrossChannels);
        QueuedMessage kept = queued(phone(), Priority.NORMAL, now(), null);
        outbound().accept(across);
        outbound().accept(kept);

        Map<String, SendPlan> plans = outbound().claimDue("node-a", Instant.now(), LEASE, 10_000).stream()
                .collect(java.util.stream.Collectors.toMap(SendJob::messageId, SendJob::plan));
        assertThat(plans.get(across.message().messageId()).goesAcrossChannels()).isTrue();
        assertThat(plans.get(kept.message().messageId()).goesAcrossChannels()).isFalse();
    }

    @Test
    void theTraceOfAMessageAndOfItsSendJobIsKept() {
        String traceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        QueuedMessage plain = queued(phone(), Priority.NORMAL, now(), null);
        NormalizedMessage m = plain.message();
        MessageMetadata d = m.metadata();
        SendPlan p = plain.plan();
        QueuedMessage traced = with(
                plain,
                new MessageMetadata(
                        d.carrier(),
                        d.account(),
                        null,
                        null,
                        null,
                        d.receivedAt(),
                        null,
                        null,
                        null,
                        null,
                        traceParent),
                new SendPlan(p.to(), p.from(), p.content(), null, null, null, null, null, null)
                        .selecting(p.selectedCarrier(), p.selectedAccount(), traceParent));
        outbound().accept(traced);
        String id = m.messageId();

        assertThat(storage.messages().message(id).orElseThrow().metadata().traceParent())
                .isEqualTo(traceParent);
        SendJob job = outbound().claimDue("node-a", Instant.now(), LEASE, 10_000).stream()
                .filter(j -> j.messageId().equals(id))
                .findFirst()
                .orElseThrow();
        assertThat(job.plan().traceParent()).isEqualTo(traceParent);
        // a message stored while tracing was off has none
        QueuedMessage untraced = queued(phone(), Priority.NORMAL, now(), null);
        outbound().accept(untraced);
        assertThat(storage.messages()
                        .message(untraced.message().messageId())
                        .orElseThrow()
                        .metadata()
                        .traceParent())
                .isNull();
    }

    @Test
    void aLeaseThatRanOutOrWasReleasedIsLeasedAgain() {
        QueuedMessage q = queued(phone(), Priority.NORMAL, now(), null);
        outbound().accept(q);
        String id = q.message().messageId();
        Instant now = Instant.now();
        assertThat(claimedOf(outbound().claimDue("node-a", now, LEASE, 10_000), List.of(id)))
                .containsExactly(id);

        assertThat(claimedOf(outbound().claimDue("node-b", now.plus(LEASE).plusSeconds(1), LEASE, 10_000), List.of(id)))
                .containsExactly(id);
        assertThat(outbound().releaseLeasesOf("node-b")).isGreaterThanOrEqualTo(1);
        List<SendJob> again = outbound().claimDue("node-c", Instant.now(), LEASE, 10_000);
        assertThat(claimedOf(again, List.of(id))).containsExactly(id);
        assertThat(again.stream()
                        .filter(j -> j.messageId().equals(id))
                        .findFirst()
                        .orElseThrow()
                        .runs())
                .isEqualTo(3);
    }

    @Test
    void aScheduledJobIsNotLeasedBeforeItsTimeAndDoesNotHoldBackItsConversation() {
        String to = phone();
        Instant later = Instant.now().plus(Duration.ofHours(1));
        QueuedMessage scheduled = queued(to, Priority.NORMAL, later, null);
        QueuedMessage now = queued(to, Priority.NORMAL, now(), null);
        outbound().accept(scheduled);
        outbound().accept(now);
        List<String> mine =
                List.of(scheduled.message().messageId(), now.message().messageId());

        assertThat(claimedOf(outbound().claimDue("node-a", Instant.now(), LEASE, 10_000), mine))
                .containsExactly(now.message().messageId());
        assertThat(claimedOf(outbound().claimDue("node-a", later.plusSeconds(1), LEASE, 10_000), mine))
                .containsExactly(scheduled.message().messageId());
    }

    @Test
    void sentOutcomeStoresTheCarrierIdAttemptsAndAStatusThatArrivedFirst() {
        QueuedMessage q = queued(phone(), Priority.NORMAL, now(), null);
        outbound().accept(q);
        String id = q.message().messageId();
        String carrierId = carrierId();
        // the carrier's delivered callback beats our storing of its answer
        store.commit(statuses(status(CarrierType.TWILIO, carrierId, MessageStatus.DELIVERED, "delivered", now())));

        outbound()
                .finish(new SendOutcome.Sent(
                        id,
                        q.message().conversationId(),
                        CarrierType.TWILIO,
                        "default",
                        new SendResult(carrierId, "queued", 1),
                        List.of(sentAttempt())));

        Message stored = store.message(id).orElseThrow();
        assertThat(stored.carrierMessageId()).isEqualTo(carrierId);
        assertThat(stored.status()).isEqualTo(MessageStatus.DELIVERED);
        assertThat(outbound().attempts(id)).extracting(SendAttempt::outcome).containsExactly("sent");
        assertThat(outbound().attempts(id)).extracting(SendAttempt::to).containsExactly("+14155550100");
        assertThat(claimedOf(
                        outbound().claimDue("node-z", Instant.now().plus(LEASE.multipliedBy(2)), LEASE, 10_000),
                        List.of(id)))
                .isEmpty();
    }

    @Test
    void aCarrierIdThatAlreadyNamesAnotherMessageDoesNotBlockTheOutcome() {
        QueuedMessage first = queued(phone(), Priority.NORMAL, now(), null);
        QueuedMessage second = queued(phone(), Priority.NORMAL, now(), null);
        outbound().accept(first);
        outbound().accept(second);
        String carrierId = carrierId();
        for (QueuedMessage q : List.of(first, second)) {
            outbound()
                    .finish(new SendOutcome.Sent(
                            q.message().messageId(),
                            q.message().conversationId(),
                            CarrierType.TWILIO,
                            "default",
                            new SendResult(carrierId, "queued", 1),
                            List.of(sentAttempt())));
        }

        assertThat(store.message(first.message().messageId()).orElseThrow().carrierMessageId())
                .isEqualTo(carrierId);
        Message second2 = store.message(second.message().messageId()).orElseThrow();
        assertThat(second2.status()).isEqualTo(MessageStatus.SENT);
        assertThat(second2.carrierMessageId()).isNull();
    }

    @Test
    void exhaustedSendIsDeadLetteredAndAReplayQueuesItOnce() {
        QueuedMessage q = queued(phone(), Priority.NORMAL, now(), null);
        outbound().accept(q);
        String id = q.message().messageId();
        outbound()
                .finish(new SendOutcome.Failed(
                        id, CarrierType.TWILIO, "circuit_open", "every carrier failed", true, q.plan(), List.of()));
        assertThat(store.message(id).orElseThrow().status()).isEqualTo(MessageStatus.FAILED);
        DeadLetter letter = outbound().deadLetters(500).stream()
                .filter(d -> id.equals(d.messageId()))
                .findFirst()
                .orElseThrow();

        assertThat(outbound().replay(letter.id())).isPresent();
        assertThat(outbound().replay(letter.id())).isEmpty();
        assertThat(store.message(id).orElseThrow().status()).isEqualTo(MessageStatus.QUEUED);
        assertThat(claimedOf(outbound().claimDue("node-r", Instant.now(), LEASE, 10_000), List.of(id)))
                .containsExactly(id);
    }

    @Test
    void anIdempotencyKeyStoresOnceAndTellsARepeatFromAnotherRequest() {
        String key = UUID.randomUUID().toString();
        QueuedMessage base = queued(phone(), Priority.NORMAL, now(), null);
        QueuedMessage first = new QueuedMessage(
                base.message(),
                base.conversation(),
                base.plan(),
                base.priority(),
                base.notBefore(),
                null,
                null,
                new QueuedMessage.IdempotencyKey("client", key, "hash-1"),
                "{\"messageId\":\"" + base.message().messageId() + "\"}",
                null);
        QueuedMessage race = queued(phone(), Priority.NORMAL, now(), null);
        QueuedMessage second = new QueuedMessage(
                race.message(),
                race.conversation(),
                race.plan(),
                race.priority(),
                race.notBefore(),
                null,
                null,
                new QueuedMessage.IdempotencyKey("client", key, "hash-1"),
                "{}",
                null);

        assertThat(outbound().accept(first)).isEqualTo(new AcceptResult.Stored());
        assertThat(outbound().accept(second)).isEqualTo(new AcceptResult.KeyUsed(true, first.response()));
        assertThat(store.message(race.message().messageId())).isEmpty();
        assertThat(outbound().idempotentAnswer("client", key, "hash-2"))
                .contains(new AcceptResult.KeyUsed(false, first.response()));
        assertThat(outbound().idempotentAnswer("other-client", key, "hash-1")).isEmpty();
    }

    @Test
    void stopOptsTheSenderOutOnItsChannelAndStartOptsThemBackIn() {
        String customer = phone();
        Sender sender = Sender.phone(customer, null);
        ConversationKey key = new ConversationKey(customer);
        assertThat(outbound().recipientFacts(key)).isEqualTo(new RecipientFacts(null, Set.of(), null));
        store.commit(batch(inbound(CarrierType.TWILIO, carrierId(), sender, now(), text(" stop "))));
        assertThat(outbound().recipientFacts(key).optedOutChannels()).containsExactly("sms");

        Instant whatsAppAt = now();
        store.commit(batch(inbound(CarrierType.WHATSAPP, carrierId(), sender, whatsAppAt, text("Stop please"))));
        assertThat(outbound().recipientFacts(key).optedOutChannels()).containsExactly("sms");

        store.commit(batch(inbound(CarrierType.BANDWIDTH, carrierId(), sender, now(), text("START"))));
        RecipientFacts facts = outbound().recipientFacts(key);
        assertThat(facts.optedOutChannels()).isEmpty();
        assertThat(facts.lastCarrier()).isEqualTo(CarrierType.BANDWIDTH);
        assertThat(facts.lastWhatsAppInbound()).isEqualTo(whatsAppAt);
    }

    @Test
    void theWhatsAppWindowOpensAtTheCustomersNewestWhatsAppMessageWhateverCameAfterOrLate() {
        String customer = phone();
        Sender sender = Sender.phone(customer, null);
        ConversationKey key = new ConversationKey(customer);
        Instant whatsAppAt = now().minusSeconds(60);
        store.commit(batch(inbound(CarrierType.WHATSAPP, carrierId(), sender, whatsAppAt, text("hi"))));
        // their SMS and our send later open no WhatsApp window; a WhatsApp message delivered late moves it back not
        store.commit(batch(inbound(CarrierType.TWILIO, carrierId(), sender, now().minusSeconds(50), text("sms"))));
        outbound().accept(queued(customer, Priority.NORMAL, now(), null, now().minusSeconds(40)));
        store.commit(
                batch(inbound(CarrierType.WHATSAPP, carrierId(), sender, whatsAppAt.minusSeconds(30), text("late"))));

        RecipientFacts facts = outbound().recipientFacts(key);
        assertThat(facts.lastWhatsAppInbound()).isEqualTo(whatsAppAt);
        assertThat(facts.lastCarrier()).isEqualTo(CarrierType.TWILIO);

        Instant again = now().minusSeconds(10);
        store.commit(batch(inbound(CarrierType.WHATSAPP, carrierId(), sender, again, text("again"))));
        assertThat(outbound().recipientFacts(key).lastWhatsAppInbound()).isEqualTo(again);
    }

    @Test
    void theNumbersUsedAreOurSideOfWhatTheRecipientSawNewestFirstAndASentMessageRecordsItsFrom() {
        String customer = phone();
        ConversationKey key = new ConversationKey(customer);
        store.commit(batch(inbound(
                CarrierType.TWILIO, carrierId(), Sender.phone(customer, null), now().minusSeconds(5), text("hi"))));
        QueuedMessage sent = queued(customer, Priority.NORMAL, now(), null, now().minusSeconds(3));
        outbound().accept(sent);
        outbound()
                .finish(new SendOutcome.Sent(
                        sent.message().messageId(),
                        sent.message().conversationId(),
                        CarrierType.BANDWIDTH,
                        "pool",
                        new SendResult(carrierId(), "queued", 1),
                        List.of(sentAttempt()),
                        null,
                        "+12125550100"));
        // still queued: the recipient has seen no number of it yet
        outbound().accept(queued(customer, Priority.NORMAL, now(), null));

        assertThat(store.message(sent.message().messageId()).orElseThrow().sender())
                .isEqualTo("+12125550100");
        assertThat(outbound().numbersUsed(key, 10))
                .containsExactly(
                        new NumberUse(CarrierType.BANDWIDTH, "pool", "+12125550100"),
                        new NumberUse(CarrierType.TWILIO, "default", "+14155550199"));
        assertThat(outbound().numbersUsed(key, 1))
                .containsExactly(new NumberUse(CarrierType.BANDWIDTH, "pool", "+12125550100"));
        assertThat(outbound().numbersUsed(new ConversationKey(phone()), 10)).isEmpty();
    }

    @Test
    void statusChangesOfAMessageWithACallbackUrlAreQueuedInOrderAndDeadLetteredAfterTheLastAttempt() {
        QueuedMessage q = queued(phone(), Priority.NORMAL, now(), "https://example.com/cb/" + UUID.randomUUID());
        outbound().accept(q);
        String id = q.message().messageId();
        String carrierId = carrierId();
        outbound()
                .finish(new SendOutcome.Sent(
                        id,
                        q.message().conversationId(),
                        CarrierType.TWILIO,
                        "default",
                        new SendResult(carrierId, "queued", 1),
                        List.of(sentAttempt())));
        store.commit(statuses(status(CarrierType.TWILIO, carrierId, MessageStatus.DELIVERED, "delivered", now())));

        List<CallbackDelivery> firstRound =
                mine(outbound().claimCallbacks("test-node", Instant.now(), LEASE, 10_000), id);
        assertThat(firstRound).hasSize(1);
        assertThat(firstRound.getFirst().payload()).contains("\"status\":\"sent\"");
        outbound().callbackDelivered(firstRound.getFirst().id()).join();

        List<CallbackDelivery> secondRound =
                mine(outbound().claimCallbacks("test-node", Instant.now(), LEASE, 10_000), id);
        assertThat(secondRound).hasSize(1);
        assertThat(secondRound.getFirst().payload()).contains("\"status\":\"delivered\"");
        outbound()
                .callbackFailed(
                        secondRound.getFirst().id(), "HTTP 500", Instant.now().plusSeconds(60));
        assertThat(mine(outbound().claimCallbacks("test-node", Instant.now(), LEASE, 10_000), id))
                .isEmpty();
        List<CallbackDelivery> retry =
                mine(outbound().claimCallbacks("test-node", Instant.now().plusSeconds(61), LEASE, 10_000), id);
        assertThat(retry).extracting(CallbackDelivery::attempts).containsExactly(1);

        outbound().callbackFailed(retry.getFirst().id(), "HTTP 500", null);
        assertThat(outbound().deadLetters(500)).anySatisfy(d -> {
            assertThat(d.messageId()).isEqualTo(id);
            assertThat(d.kind()).isEqualTo("callback");
            assertThat(d.attempts()).isEqualTo(2);
        });
    }

    private static List<CallbackDelivery> mine(List<CallbackDelivery> deliveries, String messageId) {
        return deliveries.stream().filter(d -> d.messageId().equals(messageId)).toList();
    }

    @Test
    void routingRulesArePersistedAndDeleted() {
        RoutingRule added = outbound()
                .addRoutingRule(
                        new RoutingRule(null, "+44", CarrierType.MESSAGEBIRD, 1, new BigDecimal("0.0450"), null));
        assertThat(outbound().routingRules()).anySatisfy(r -> {
            assertThat(r.id()).isEqualTo(added.id());
            assertThat(r.prefix()).isEqualTo("+44");
            assertThat(r.carrier()).isEqualTo(CarrierType.MESSAGEBIRD);
            assertThat(r.costPerMessage()).isEqualByComparingTo("0.045");
        });

        assertThat(outbound().deleteRoutingRule(added.id())).isTrue();
        assertThat(outbound().deleteRoutingRule(added.id())).isFalse();
        assertThat(outbound().routingRules()).noneMatch(r -> r.id().equals(added.id()));
    }

    /**
     * {@code q}, a send over Twilio, as a request with {@code options.fallback} after {@code afterSeconds} that
     * sends again on a timeout; for a store's own tests of receipt deadlines too.
     */
    public static QueuedMessage withFallback(QueuedMessage q, int afterSeconds) {
        SendPlan plan = new SendPlan(
                q.plan().to(),
                null,
                q.plan().content(),
                null,
                null,
                null,
                null,
                CarrierType.TWILIO,
                "default",
                null,
                new DeliveryFallback(afterSeconds, List.of(), DeliveryFallback.OnTimeout.SEND),
                null,
                List.of(),
                null,
                null);
        return withPlan(q, plan);
    }

    /**
     * A message sent over Twilio at {@code sentAt} whose request asked for a fallback after {@code afterSeconds}:
     * its job as leased for the send, which has now ended waiting for the receipt.
     */
    protected SendJob sentWithFallback(int afterSeconds, Instant sentAt) {
        QueuedMessage q = withFallback(queued(phone(), Priority.NORMAL, now(), null), afterSeconds);
        SendPlan plan = q.plan();
        assertThat(outbound().accept(q)).isEqualTo(new AcceptResult.Stored());
        String id = q.message().messageId();
        SendJob job = outbound().claimDue("node-a", Instant.now(), LEASE, 10_000).stream()
                .filter(j -> j.messageId().equals(id))
                .findFirst()
                .orElseThrow();
        outbound()
                .finish(new SendOutcome.Sent(
                        id,
                        job.conversationId(),
                        CarrierType.TWILIO,
                        "default",
                        new SendResult(carrierId(), "queued", 1),
                        List.of(sentAttempt()),
                        ReceiptDeadline.waiting(plan, CarrierType.TWILIO, "default", sentAt)));
        return job;
    }

    private List<SendJob> claimedOf(String node, Instant at, String messageId) {
        return outbound().claimDue(node, at, LEASE, 10_000).stream()
                .filter(j -> j.messageId().equals(messageId))
                .toList();
    }

    @Test
    void aSentMessageWaitingForItsReceiptKeepsItsJobUntilTheDeadlineThenOneNodeTakesIt() {
        Instant sentAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        SendJob job = sentWithFallback(60, sentAt);

        assertThat(store.message(job.messageId()).orElseThrow().status()).isEqualTo(MessageStatus.SENT);
        assertThat(claimedOf("node-b", sentAt.plusSeconds(59), job.messageId())).isEmpty();

        List<SendJob> due = claimedOf("node-b", sentAt.plusSeconds(61), job.messageId());
        assertThat(due).hasSize(1);
        assertThat(due.getFirst().plan().watch())
                .isEqualTo(new DeliveryWatch(CarrierType.TWILIO, "default", sentAt.plusSeconds(60)));
        assertThat(due.getFirst().plan().deliveryFallback().afterSeconds()).isEqualTo(60);
        // leased by node-b: another node at the same moment does not take it too
        assertThat(claimedOf("node-c", sentAt.plusSeconds(61), job.messageId())).isEmpty();
    }

    @Test
    void aDeadlineWithoutReceiptIsRecordedOnTheMessageOnceAndEndsTheJob() {
        Instant sentAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        SendJob job = sentWithFallback(60, sentAt);
        assertThat(claimedOf("node-a", sentAt.plusSeconds(61), job.messageId())).hasSize(1);
        SendOutcome.WatchEnded ended = new SendOutcome.WatchEnded(
                job.messageId(),
                job.conversationId(),
                new DeliveryTimeout(
                        CarrierType.TWILIO,
                        "default",
                        60,
                        DeliveryTimeout.Action.FALLBACK_SENT,
                        "fallback-" + job.messageId(),
                        CarrierType.BANDWIDTH,
                        sentAt.plusSeconds(61)));

        outbound().finish(ended);
        // a second run of the same deadline (a lease that ran out mid-way) records nothing more
        outbound().finish(ended);

        Message message = store.message(job.messageId()).orElseThrow();
        assertThat(message.status()).isEqualTo(MessageStatus.SENT);
        assertThat(message.statusHistory())
                .filteredOn(c -> ReceiptDeadline.FALLBACK_SENT.equals(c.carrierStatus()))
                .hasSize(1);
        assertThat(claimedOf("node-a", sentAt.plusSeconds(3600), job.messageId()))
                .isEmpty();
    }

    @Test
    void aDeadlineAfterTheReceiptEndsTheJobWritingNothing() {
        Instant sentAt = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        SendJob job = sentWithFallback(60, sentAt);
        assertThat(claimedOf("node-a", sentAt.plusSeconds(61), job.messageId())).hasSize(1);
        int history =
                store.message(job.messageId()).orElseThrow().statusHistory().size();

        outbound().finish(new SendOutcome.WatchEnded(job.messageId(), job.conversationId(), null));

        assertThat(store.message(job.messageId()).orElseThrow().statusHistory()).hasSize(history);
        assertThat(claimedOf("node-a", sentAt.plusSeconds(3600), job.messageId()))
                .isEmpty();
    }
}
