package io.omniservice.core.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierRegistry;
import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.carrier.WebhookReply;
import io.omniservice.core.carrier.WebhookRequest;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Conversation;
import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.model.Sender;
import io.omniservice.core.store.CommitResult;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Page;
import io.omniservice.core.store.PageRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The pipeline's order and its answers, with a carrier that checks a shared secret header. */
class WebhookIngressTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final RecordingStore store = new RecordingStore();
    private final WebhookIngress ingress =
            new WebhookIngress(new CarrierRegistry(List.of(new SecretHeaderCarrier())), store, clock);

    @Test
    void verifiedWebhookIsCommittedThenAcknowledged() {
        WebhookReply reply = ingress.handle("whatsapp", null, request("POST", "s3cret", "hello"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo("ack 1");
        assertThat(store.batches).hasSize(1);
        var stored = store.batches.getFirst().messages().getFirst();
        assertThat(stored.message().conversationId())
                .isEqualTo(stored.conversation().conversationId());
        assertThat(stored.message().metadata().receivedAt()).isEqualTo(NOW);
        assertThat(stored.message().content()).isEqualTo(new MessageContent.Text("hello"));
    }

    @Test
    void wrongSecretIsRefusedAndNothingStored() throws Exception {
        WebhookReply reply = ingress.handle("whatsapp", null, request("POST", "wrong", "hello"));

        assertThat(reply.status()).isEqualTo(403);
        assertThat(Json.MAPPER.readTree(reply.body()).at("/error/code").asText())
                .isEqualTo("forbidden");
        assertThat(store.batches).isEmpty();
    }

    @Test
    void malformedPayloadIsA400NamingTheField() throws Exception {
        WebhookReply reply = ingress.handle("whatsapp", null, request("POST", "s3cret", ""));

        assertThat(reply.status()).isEqualTo(400);
        var error = Json.MAPPER.readTree(reply.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("malformed_payload");
        assertThat(error.get("field").asText()).isEqualTo("text");
        assertThat(store.batches).isEmpty();
    }

    @Test
    void unknownCarrierOrAccountIs404() {
        assertThat(ingress.handle("pigeon", null, request("POST", "s3cret", "x"))
                        .status())
                .isEqualTo(404);
        assertThat(ingress.handle("twilio", null, request("POST", "s3cret", "x"))
                        .status())
                .isEqualTo(404);
        assertThat(ingress.handle("whatsapp", "second", request("POST", "s3cret", "x"))
                        .status())
                .isEqualTo(404);
        assertThat(store.batches).isEmpty();
    }

    @Test
    void handshakeIsAnsweredWithoutVerifyOrStore() {
        WebhookReply reply = ingress.handle("whatsapp", null, request("GET", null, "challenge-42"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo("challenge-42");
        assertThat(store.batches).isEmpty();
    }

    @Test
    void storageFailureIs503SoTheCarrierRetries() {
        store.failing = true;
        WebhookReply reply = ingress.handle("whatsapp", null, request("POST", "s3cret", "hello"));

        assertThat(reply.status()).isEqualTo(503);
    }

    @Test
    void overLongIdentifierIs400NamingTheFieldNot503() throws Exception {
        WebhookReply reply = ingress.handle("whatsapp", null, request("POST", "s3cret", "id:" + "9".repeat(3000)));

        assertThat(reply.status()).isEqualTo(400);
        var error = Json.MAPPER.readTree(reply.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo("field_too_long");
        assertThat(error.get("field").asText()).isEqualTo("carrierMessageId");
        assertThat(store.batches).isEmpty();
    }

    @Test
    void bodyOverTheAdaptersLimitIs413BeforeVerifying() throws Exception {
        WebhookReply reply = ingress.handle("whatsapp", null, request("POST", "wrong", "x".repeat(5000)));

        assertThat(reply.status()).isEqualTo(413);
        assertThat(Json.MAPPER.readTree(reply.body()).at("/error/code").asText())
                .isEqualTo("payload_too_large");
        assertThat(ingress.maxBodyBytes("whatsapp", null)).isEqualTo(4096);
        assertThat(ingress.maxBodyBytes("pigeon", null)).isZero();
        assertThat(store.batches).isEmpty();
    }

    private static WebhookRequest request(String method, String secret, String text) {
        Map<String, List<String>> headers = secret == null ? Map.of() : Map.of("x-test-secret", List.of(secret));
        return new WebhookRequest(
                method,
                "https://gw.example.com/webhooks/whatsapp",
                headers,
                Map.of("challenge", List.of(text)),
                text.getBytes(StandardCharsets.UTF_8),
                NOW);
    }

    private static final class SecretHeaderCarrier implements CarrierAdapter {
        @Override
        public CarrierType type() {
            return CarrierType.WHATSAPP;
        }

        @Override
        public String account() {
            return CarrierRegistry.DEFAULT_ACCOUNT;
        }

        @Override
        public CarrierCapabilities capabilities() {
            return new CarrierCapabilities(true, false, false, false, false, 0, List.of(), 4096);
        }

        @Override
        public long maxBodyBytes() {
            return 4096;
        }

        @Override
        public Optional<WebhookReply> onGet(WebhookRequest request) {
            return Optional.of(WebhookReply.text(200, "text/plain", request.queryParam("challenge")));
        }

        @Override
        public void verify(WebhookRequest request) throws WebhookRejection {
            if (!"s3cret".equals(request.header("X-Test-Secret"))) {
                throw WebhookRejection.forbidden("secret does not match");
            }
        }

        @Override
        public List<InboundEvent> parse(WebhookRequest request) throws WebhookRejection {
            String text = new String(request.body(), StandardCharsets.UTF_8);
            if (text.isEmpty()) {
                throw WebhookRejection.malformed("text is empty", "text");
            }
            return List.of(new InboundEvent.InboundMessage(
                    CarrierType.WHATSAPP,
                    account(),
                    text.startsWith("id:") ? text.substring(3) : "wamid.1",
                    Sender.phone("+16505551234", null),
                    "+15550783881",
                    new MessageContent.Text(text),
                    null,
                    null,
                    null));
        }

        @Override
        public WebhookReply acknowledge(List<InboundEvent> events) {
            return WebhookReply.text(200, "text/plain", "ack " + events.size());
        }
    }

    /** Records what would be committed; stands in for the port, whose adapters have their own contract tests. */
    private static final class RecordingStore implements MessageStore {
        final List<InboundBatch> batches = new ArrayList<>();
        boolean failing;

        @Override
        public CommitResult commit(InboundBatch batch) {
            if (failing) {
                throw new IllegalStateException("database is down");
            }
            batches.add(batch);
            return new CommitResult(List.of(), 0, 0, 0, 0);
        }

        @Override
        public Optional<Message> message(String messageId) {
            return Optional.empty();
        }

        @Override
        public Page<Message> messagesByCarrier(CarrierType carrier, Instant since, Instant until, PageRequest page) {
            return new Page<>(List.of(), null);
        }

        @Override
        public Page<Message> messagesByStatus(MessageStatus status, Instant createdAfter, PageRequest page) {
            return new Page<>(List.of(), null);
        }

        @Override
        public Optional<Conversation> conversation(String conversationId) {
            return Optional.empty();
        }

        @Override
        public Page<Conversation> conversations(String participant, PageRequest page) {
            return new Page<>(List.of(), null);
        }

        @Override
        public Page<Message> conversationMessages(String conversationId, PageRequest page) {
            return new Page<>(List.of(), null);
        }

        @Override
        public Page<Message> conversationsMessages(
                java.util.Set<String> conversationIds, String listing, PageRequest page) {
            return new Page<>(List.of(), null);
        }
    }
}
