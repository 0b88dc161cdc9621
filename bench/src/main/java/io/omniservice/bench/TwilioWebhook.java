package io.omniservice.bench;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** An inbound SMS as Twilio posts it to {@code /webhooks/twilio}, signed over the public URL and the sorted parameters. */
final class TwilioWebhook {
    private static final String PATH = "/webhooks/twilio";

    private TwilioWebhook() {}

    /** A fresh {@code SM} + 32 hex digits, so every webhook is a new message to the gateway. */
    static String newMessageSid() {
        return "SM" + UUID.randomUUID().toString().replace("-", "");
    }

    static HttpRequest.Builder inboundSms(
            URI target, String publicBaseUrl, String accountSid, String authToken, String messageSid) {
        String from = "+1415" + (5550000 + ThreadLocalRandom.current().nextInt(10_000));
        Map<String, String> params = new LinkedHashMap<>();
        params.put("ToCountry", "US");
        params.put("SmsMessageSid", messageSid);
        params.put("NumMedia", "0");
        params.put("SmsSid", messageSid);
        params.put("SmsStatus", "received");
        params.put("Body", "Is my order on its way?");
        params.put("To", "+14155550199");
        params.put("NumSegments", "1");
        params.put("MessageSid", messageSid);
        params.put("AccountSid", accountSid);
        params.put("From", from);
        params.put("ApiVersion", "2010-04-01");
        StringBuilder signed = new StringBuilder(publicBaseUrl).append(PATH);
        new TreeMap<>(params).forEach((k, v) -> signed.append(k).append(v));
        String signature = Base64.getEncoder().encodeToString(Hmac.sign("HmacSHA1", authToken, signed.toString()));
        StringBuilder form = new StringBuilder();
        params.forEach((k, v) -> form.append(form.isEmpty() ? "" : "&")
                .append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return HttpRequest.newBuilder(target.resolve(PATH))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("X-Twilio-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(form.toString()));
    }
}
