package io.omniservice.carriers.testkit;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhooks the way each carrier does, for tests that post them to a running gateway: what the carrier
 * computes, written from its documentation, independent of the gateway's own verifiers.
 */
public final class WebhookSigning {
    private WebhookSigning() {}

    /** Meta's {@code X-Hub-Signature-256}: {@code sha256=} and the hex HMAC-SHA256 of the body under the app secret. */
    public static String metaSignature(String appSecret, String body) {
        return "sha256=" + hex(hmac("HmacSHA256", appSecret, body));
    }

    /**
     * Twilio's {@code X-Twilio-Signature}: the Base64 HMAC-SHA1, under the auth token, of the full URL followed
     * by every POST parameter's name and value, sorted by name.
     */
    public static String twilioSignature(String authToken, String url, Map<String, String> params) {
        StringBuilder signed = new StringBuilder(url);
        new TreeMap<>(params).forEach((name, value) -> signed.append(name).append(value));
        return Base64.getEncoder().encodeToString(hmac("HmacSHA1", authToken, signed.toString()));
    }

    /** The parameters as an {@code application/x-www-form-urlencoded} body, in their map's order. */
    public static String formBody(Map<String, String> params) {
        StringBuilder form = new StringBuilder();
        params.forEach((name, value) -> form.append(form.isEmpty() ? "" : "&")
                .append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
        return form.toString();
    }

    /**
     * MessageBird's {@code MessageBird-Signature-JWT}: HS256 under the signing key, issuer {@code MessageBird},
     * valid for a minute from {@code now}, a fresh {@code jti}, and the hex SHA-256 of the URL and of the body.
     */
    public static String messageBirdJwt(String signingKey, String url, String body, Instant now) {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer("MessageBird")
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(60)))
                .jwtID(UUID.randomUUID().toString())
                .claim("url_hash", hex(sha256(url)))
                .claim("payload_hash", hex(sha256(body)))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        try {
            jwt.sign(new MACSigner(signingKey.getBytes(StandardCharsets.UTF_8)));
        } catch (JOSEException e) {
            throw new IllegalArgumentException("the MessageBird signing key cannot sign HS256: " + e.getMessage(), e);
        }
        return jwt.serialize();
    }

    /** Inteliquent's {@code VerificationToken}: the hex SHA-256 of the inbound API key followed by the MessageId. */
    public static String inteliquentToken(String inboundApiKey, String messageId) {
        return hex(sha256(inboundApiKey + messageId));
    }

    public static byte[] hmac(String algorithm, String key, String data) {
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), algorithm));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is in every JVM", e);
        }
    }

    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is in every JVM", e);
        }
    }

    public static byte[] sha256(String data) {
        return sha256(data.getBytes(StandardCharsets.UTF_8));
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }
}
