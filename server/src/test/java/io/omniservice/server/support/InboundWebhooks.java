package io.omniservice.server.support;

import io.omniservice.carriers.testkit.WebhookSigning;
import io.omniservice.core.outbound.CarrierHttp;
import java.net.http.HttpRequest;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Inbound webhooks carrying one attachment, as each carrier sends them and signed with each carrier's
 * documented scheme, computed here independently of the gateway's verifiers. {@link #carriersYaml} configures
 * all six with the secrets these use.
 */
public final class InboundWebhooks {
    public static final String WHATSAPP_APP_SECRET = "media-test-whatsapp-app-secret";
    public static final String WHATSAPP_VERIFY_TOKEN = "media-test-verify-token";
    public static final String WHATSAPP_ACCESS_TOKEN = "EAAG-media-test-access-token-0123456789";
    public static final String WHATSAPP_PHONE_NUMBER_ID = "106540352242922";
    public static final String WHATSAPP_API_VERSION = "v23.0";
    public static final String TWILIO_ACCOUNT_SID = "AC" + "5f1e2d3c4b5a69788f1e2d3c4b5a6978";
    public static final String TWILIO_AUTH_TOKEN = "media-test-twilio-auth-token";
    public static final String BANDWIDTH_CALLBACK_USER = "bw-callback-user";
    public static final String BANDWIDTH_CALLBACK_PASSWORD = "bw-callback-password";
    public static final String BANDWIDTH_ACCOUNT_ID = "9900000";
    public static final String BANDWIDTH_API_USER = "bw-api-user";
    public static final String BANDWIDTH_API_PASSWORD = "bw-api-password";
    public static final String LIVECHAT_SECRET = "media-test-livechat-secret";
    public static final String MESSAGEBIRD_SIGNING_KEY = "media-test-messagebird-signing-key";
    public static final String MESSAGEBIRD_ACCESS_KEY = "media-test-messagebird-access-key";
    public static final String INTELIQUENT_INBOUND_KEY = "media-test-inteliquent-inbound-key";

    private InboundWebhooks() {}

    /** The {@code carriers:} section for all six, their APIs at {@code apiBase}. */
    public static String carriersYaml(String apiBase) {
        return """
                carriers:
                  whatsapp:
                    default:
                      appSecret: %s
                      verifyToken: %s
                      accessToken: %s
                      phoneNumberId: "%s"
                      apiBaseUrl: %s
                      apiVersion: %s
                  twilio:
                    default:
                      accountSid: %s
                      authToken: %s
                      apiBaseUrl: %s
                  bandwidth:
                    default:
                      callbackUsername: %s
                      callbackPassword: %s
                      accountId: "%s"
                      apiUsername: %s
                      apiPassword: %s
                      applicationId: 93de2206-9669-4e07-948d-329f4b722ee2
                      from: "+14155550198"
                      apiBaseUrl: %s
                  livechat:
                    default:
                      secretKey: %s
                  messagebird:
                    default:
                      signingKey: %s
                      accessKey: %s
                      mediaBaseUrl: %s
                  inteliquent:
                    default:
                      inboundApiKey: %s
                """.formatted(
                        WHATSAPP_APP_SECRET,
                        WHATSAPP_VERIFY_TOKEN,
                        WHATSAPP_ACCESS_TOKEN,
                        WHATSAPP_PHONE_NUMBER_ID,
                        apiBase,
                        WHATSAPP_API_VERSION,
                        TWILIO_ACCOUNT_SID,
                        TWILIO_AUTH_TOKEN,
                        apiBase,
                        BANDWIDTH_CALLBACK_USER,
                        BANDWIDTH_CALLBACK_PASSWORD,
                        BANDWIDTH_ACCOUNT_ID,
                        BANDWIDTH_API_USER,
                        BANDWIDTH_API_PASSWORD,
                        apiBase,
                        LIVECHAT_SECRET,
                        MESSAGEBIRD_SIGNING_KEY,
                        MESSAGEBIRD_ACCESS_KEY,
                        apiBase,
                        INTELIQUENT_INBOUND_KEY);
    }

    /** A Cloud API {@code messages} webhook with one image named by media id, as Meta sends it. */
    public static HttpRequest whatsappImage(RunningGateway gateway, String wamid, String mediaId, byte[] png) {
        String sha256 = Base64.getEncoder().encodeToString(WebhookSigning.sha256(png));
        String body =
                """
                {"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":\
                {"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881",\
                "phone_number_id":"%s"},"contacts":[{"profile":{"name":"Sheena Nelson"},"wa_id":"16505551234"}],\
                "messages":[{"from":"16505551234","id":"%s","timestamp":"%d","type":"image",\
                "image":{"caption":"the damaged box","mime_type":"image/png","sha256":"%s","id":"%s"}}]},\
                "field":"messages"}]}]}""".formatted(WHATSAPP_PHONE_NUMBER_ID, wamid, Instant.now().getEpochSecond(), sha256, mediaId);
        return HttpRequest.newBuilder(gateway.uri("/webhooks/whatsapp"))
                .header("Content-Type", "application/json")
                .header("X-Hub-Signature-256", WebhookSigning.metaSignature(WHATSAPP_APP_SECRET, body))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** An incoming MMS with {@code MediaUrl0}, signed with {@code X-Twilio-Signature}. */
    public static HttpRequest twilioMms(RunningGateway gateway, String messageSid, String mediaUrl) {
        Map<String, String> params = new TreeMap<>();
        params.put("ToCountry", "US");
        params.put("SmsMessageSid", messageSid);
        params.put("NumMedia", "1");
        params.put("SmsSid", messageSid);
        params.put("SmsStatus", "received");
        params.put("Body", "the damaged box");
        params.put("To", "+14155550199");
        params.put("NumSegments", "1");
        params.put("MessageSid", messageSid);
        params.put("AccountSid", TWILIO_ACCOUNT_SID);
        params.put("From", "+14155550123");
        params.put("ApiVersion", "2010-04-01");
        params.put("MediaContentType0", "image/png");
        params.put("MediaUrl0", mediaUrl);
        String path = "/webhooks/twilio";
        return HttpRequest.newBuilder(gateway.uri(path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header(
                        "X-Twilio-Signature",
                        WebhookSigning.twilioSignature(
                                TWILIO_AUTH_TOKEN, RunningGateway.PUBLIC_BASE_URL + path, params))
                .POST(HttpRequest.BodyPublishers.ofString(WebhookSigning.formBody(params)))
                .build();
    }

    /** A {@code message-received} callback with one media URL, with the callback basic auth. */
    public static HttpRequest bandwidthMms(RunningGateway gateway, String id, String mediaUrl) {
        String body = """
                [{"type":"message-received","time":"2026-11-24T11:59:58.000Z","description":"Incoming message received",\
                "to":"+14155550198","message":{"id":"%s","owner":"+14155550198","applicationId":\
                "93de2206-9669-4e07-948d-329f4b722ee2","time":"2026-11-24T11:59:58.000Z","segmentCount":1,\
                "direction":"in","to":["+14155550198"],"from":"+14155550124","text":"the damaged box",\
                "media":["%s"]}}]""".formatted(id, mediaUrl);
        return HttpRequest.newBuilder(gateway.uri("/webhooks/bandwidth"))
                .header("Content-Type", "application/json")
                .header("Authorization", CarrierHttp.basicAuth(BANDWIDTH_CALLBACK_USER, BANDWIDTH_CALLBACK_PASSWORD))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** An {@code incoming_event} of type {@code file}: a customer uploads an image. */
    public static HttpRequest liveChatFile(
            RunningGateway gateway, String chatId, String eventId, String url, int size) {
        return liveChatEvent(gateway, chatId, "b7eff798-f8df-4364-8059-649c35c9ed0c", """
                {"id":"%s","created_at":"2026-11-24T11:59:58.120000Z","visibility":"all","type":"file",\
                "author_id":"%s","name":"damaged-box.png","url":"%s","content_type":"image/png","size":%d,\
                "width":640,"height":480}""".formatted(
                        eventId, "b7eff798-f8df-4364-8059-649c35c9ed0c", url, size));
    }

    /** An {@code incoming_event} of type {@code message}: {@code customer} writes {@code text} in the chat. */
    public static HttpRequest liveChatText(
            RunningGateway gateway, String chatId, String customer, String eventId, String text) {
        return liveChatEvent(gateway, chatId, customer, """
                {"id":"%s","created_at":"2026-11-24T11:59:58.120000Z","visibility":"all","type":"message",\
                "author_id":"%s","text":"%s"}""".formatted(eventId, customer, text));
    }

    /** LiveChat's {@code incoming_event} webhook carrying {@code event}, with the secret in its body. */
    private static HttpRequest liveChatEvent(RunningGateway gateway, String chatId, String customer, String event) {
        String body = """
                {"webhook_id":"3c7a6d1e9b2f4e58a0c4d6e8f1a3b5c7","secret_key":"%s","action":"incoming_event",\
                "organization_id":"390e44e6-f1e6-4c7d-a3a1-b5c1b8a5a7e8","payload":{"chat_id":"%s",\
                "thread_id":"K600PKZON8","event":%s},\
                "additional_data":{"chat_presence_user_ids":["%s","smith@example.com"]}}""".formatted(LIVECHAT_SECRET, chatId, event, customer);
        return HttpRequest.newBuilder(gateway.uri("/webhooks/livechat"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** A Conversations API {@code message.created} webhook with an image, signed with a MessageBird JWT. */
    public static HttpRequest messageBirdImage(RunningGateway gateway, String messageId, String imageUrl) {
        String body = """
                {"type":"message.created","contact":{"id":"9354647c5c144a2b4c99f2n4ht53j6g9","msisdn":31612345678,\
                "displayName":"Jen Smith","firstName":"Jen","lastName":"Smith","customDetails":{},\
                "createdDatetime":"2026-11-20T09:12:00Z","updatedDatetime":"2026-11-24T11:59:57Z"},\
                "conversation":{"id":"2e15efafec384e1c82e9842075e87beb","contactId":"9354647c5c144a2b4c99f2n4ht53j6g9",\
                "status":"active","createdDatetime":"2026-11-20T09:12:00Z","updatedDatetime":"2026-11-24T11:59:58Z",\
                "lastReceivedDatetime":"2026-11-24T11:59:58Z","lastUsedChannelId":"619747f69cf940a98fb443140ce9aed2"},\
                "message":{"id":"%s","conversationId":"2e15efafec384e1c82e9842075e87beb","platform":"whatsapp",\
                "to":"+3197010260188","from":"+31612345678","channelId":"619747f69cf940a98fb443140ce9aed2",\
                "type":"image","content":{"image":{"url":"%s","caption":"The box arrived damaged"}},\
                "direction":"received","status":"received","createdDatetime":"2026-11-24T11:59:58Z",\
                "updatedDatetime":"2026-11-24T11:59:59Z"}}""".formatted(messageId, imageUrl);
        String url = RunningGateway.PUBLIC_BASE_URL + "/webhooks/messagebird";
        return HttpRequest.newBuilder(gateway.uri("/webhooks/messagebird"))
                .header("Content-Type", "application/json")
                .header(
                        "MessageBird-Signature-JWT",
                        WebhookSigning.messageBirdJwt(MESSAGEBIRD_SIGNING_KEY, url, body, Instant.now()))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }

    /** An inbound MMS from the message broker, with its {@code MessageId}/{@code VerificationToken} pair. */
    public static HttpRequest inteliquentMms(RunningGateway gateway, String messageId, String mediaUrl) {
        String body = """
                {"referenceId":"%s","from":"14155550125","to":["14155550199"],"text":"the damaged box",\
                "mediaUrls":["%s"]}""".formatted(UUID.randomUUID(), mediaUrl);
        return HttpRequest.newBuilder(gateway.uri("/webhooks/inteliquent"))
                .header("Content-Type", "application/json")
                .header("MessageId", messageId)
                .header("VerificationToken", WebhookSigning.inteliquentToken(INTELIQUENT_INBOUND_KEY, messageId))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
    }
}
