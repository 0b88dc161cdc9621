package io.omniservice.acceptance;

import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.outbound.CarrierHttp;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Webhooks as each carrier sends them, signed with each carrier's documented scheme (computed here
 * independently of the gateway's own verifiers), addressed to a running gateway.
 */
final class SignedWebhooks {
    static final String WHATSAPP_APP_SECRET = "acceptance-whatsapp-app-secret";
    static final String WHATSAPP_VERIFY_TOKEN = "acceptance-verify-token";
    static final String TWILIO_ACCOUNT_SID = "AC1f2e3d4c5b6a79881f2e3d4c5b6a7988";
    static final String TWILIO_AUTH_TOKEN = "acceptance-twilio-auth-token";
    static final String BANDWIDTH_USER = "bw-callback-user";
    static final String BANDWIDTH_PASSWORD = "bw-callback-password";
    static final String LIVECHAT_SECRET = "acceptance-livechat-secret";
    static final String MESSAGEBIRD_SIGNING_KEY = "acceptance-messagebird-signing-key";
    static final String INTELIQUENT_INBOUND_KEY = "acceptance-inteliquent-inbound-key";

    private final java.util.function.Function<String, java.net.URI> address;
    private final String publicBaseUrl;

    SignedWebhooks(GatewayProcess gateway) {
        this(gateway::uri, gateway.publicBaseUrl());
    }

    /** Webhooks for the nodes behind {@code balancer}, which are configured as {@link GatewayProcess} does. */
    SignedWebhooks(LoadBalancer balancer) {
        this(balancer::uri, GatewayProcess.PUBLIC_BASE_URL);
    }

    private SignedWebhooks(java.util.function.Function<String, java.net.URI> address, String publicBaseUrl) {
        this.address = address;
        this.publicBaseUrl = publicBaseUrl;
    }

    HttpRequest whatsappText(String waId, String wamid, String text) {
        String body = """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":\
                {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",\
                "phone_number_id":"106540352242922"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"%s"}],\
                "messages":[{"from":"%s","id":"%s","timestamp":"1749416383","type":"text","text":{"body":"%s"}}]},\
                "field":"messages"}]}]}""".formatted(waId, waId, wamid, text);
        return whatsapp(body);
    }

    HttpRequest whatsappStatus(String wamid, String recipientWaId, String status) {
        String body = """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":\
                {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",\
                "phone_number_id":"106540352242922"},"statuses":[{"id":"%s","status":"%s","timestamp":"1749416390",\
                "recipient_id":"%s"}]},"field":"messages"}]}]}""".formatted(wamid, status, recipientWaId);
        return whatsapp(body);
    }

    HttpRequest whatsapp(String body) {
        return HttpRequest.newBuilder(address.apply("/webhooks/whatsapp"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", WebhookSigning.metaSignature(WHATSAPP_APP_SECRET, body))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    HttpRequest twilioSms(String messageSid, String from, String text) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("ToCountry", "US");
        params.put("SmsMessageSid", messageSid);
        params.put("NumMedia", "0");
        params.put("SmsSid", messageSid);
        params.put("SmsStatus", "received");
        params.put("Body", text);
        params.put("To", "+14155550199");
        params.put("NumSegments", "1");
        params.put("MessageSid", messageSid);
        params.put("AccountSid", TWILIO_ACCOUNT_SID);
        params.put("From", from);
        params.put("ApiVersion", "2010-04-01");
        return twilio(params);
    }

    HttpRequest twilioStatus(String messageSid, String to, String status) {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("SmsSid", messageSid);
        params.put("SmsStatus", status);
        params.put("MessageStatus", status);
        params.put("To", to);
        params.put("MessageSid", messageSid);
        params.put("AccountSid", TWILIO_ACCOUNT_SID);
        params.put("From", "+14155550199");
        params.put("ApiVersion", "2010-04-01");
        return twilio(params);
    }

    HttpRequest twilio(Map<String, String> params) {
        String path = "/webhooks/twilio";
        return HttpRequest.newBuilder(address.apply(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header(
                        "X-Twilio-Signature",
                        WebhookSigning.twilioSignature(TWILIO_AUTH_TOKEN, publicBaseUrl + path, params))
                .POST(HttpRequest.BodyPublishers.ofString(WebhookSigning.formBody(params)))
                .build();
    }

    HttpRequest bandwidthReceived(String id, String from, String text) {
        String body = """
                [{"type":"message-received","time":"2026-11-24T11:59:58.000Z","description":"Incoming message received",\
                "to":"+14155550199","message":{"id":"%s","owner":"+14155550199","applicationId":\
                "93de2206-9669-4e07-948d-329f4b722ee2","time":"2026-11-24T11:59:58.000Z","segmentCount":1,\
                "direction":"in","to":["+14155550199"],"from":"%s","text":"%s"}}]""".formatted(id, from, text);
        return bandwidth(body);
    }

    HttpRequest bandwidth(String body) {
        return HttpRequest.newBuilder(address.apply("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", CarrierHttp.basicAuth(BANDWIDTH_USER, BANDWIDTH_PASSWORD))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    HttpRequest liveChatMessage(String chatId, String eventId, String customerId, String text) {
        String body = """
                {"webhook_id":"a2dd5ab5f0c04a41b3f3e4ac4e3b8e3e","secret_key":"%s","action":"incoming_event",\
                "organization_id":"390e44e6-f1e6-4c7d-a3a1-b5c1b8a5a7e8","payload":{"chat_id":"%s",\
                "thread_id":"PZ070E0W1B","event":{"id":"%s","created_at":"2026-11-24T11:59:58.360000Z",\
                "visibility":"all","type":"message","text":"%s","author_id":"%s"}},\
                "additional_data":{"chat_presence_user_ids":["%s","agent@example.com"]}}""".formatted(LIVECHAT_SECRET, chatId, eventId, text, customerId, customerId);
        return HttpRequest.newBuilder(address.apply("/webhooks/livechat"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    HttpRequest messageBirdSms(String id, String originator, String text) throws Exception {
        String body = "id=" + id + "&recipient=31970102030405&originator=" + originator + "&body="
                + URLEncoder.encode(text, StandardCharsets.UTF_8) + "&createdDatetime="
                + URLEncoder.encode("2026-11-24T11:59:58+00:00", StandardCharsets.UTF_8);
        String url = publicBaseUrl + "/webhooks/messagebird";
        return HttpRequest.newBuilder(address.apply("/webhooks/messagebird"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header(
                        "MessageBird-Signature-JWT",
                        WebhookSigning.messageBirdJwt(MESSAGEBIRD_SIGNING_KEY, url, body, Instant.now()))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    HttpRequest inteliquent(String messageId, String from10, String text) {
        String body = "{\"from\":\"%s\",\"to\":[\"4155550199\"],\"text\":\"%s\"}".formatted(from10, text);
        return HttpRequest.newBuilder(address.apply("/webhooks/inteliquent"))
                .header("Content-Type", "application/json")
                .header("MessageId", messageId)
                .header("VerificationToken", WebhookSigning.inteliquentToken(INTELIQUENT_INBOUND_KEY, messageId))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}
