package io.omniservice.carriers.messagebird;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.omniservice.core.carrier.ReplayGuard;
import io.omniservice.core.carrier.WebhookRejection;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * MessageBird's webhook signature: the {@code MessageBird-Signature-JWT} header holds a JWT (HS256, HS384
 * or HS512 over the signing key's UTF-8 bytes) whose claims bind it to the called URL ({@code url_hash}),
 * the raw body ({@code payload_hash}), a time window ({@code nbf}, {@code exp}) and a one-time id
 * ({@code jti}), as MessageBird's SDK verifiers check it.
 */
public final class MessageBirdSignature {
    public static final String HEADER = "MessageBird-Signature-JWT";
    public static final String ISSUER = "MessageBird";

    /** The clock skew MessageBird's own SDK verifiers allow. */
    static final Duration SKEW = Duration.ofSeconds(5);

    /**
     * The longest a token may be valid, from {@code nbf} (or {@code iat}) to {@code exp}. MessageBird signs
     * each delivery as it sends it, so a real token lives for moments; without a cap a token with {@code exp}
     * in year 9999 could be replayed on any later request of the same URL and body (its {@code jti} would
     * have to be remembered for ever).
     */
    static final Duration MAX_LIFETIME = Duration.ofMinutes(10);

    private static final Map<JWSAlgorithm, String> MAC_ALGORITHMS = Map.of(
            JWSAlgorithm.HS256, "HmacSHA256",
            JWSAlgorithm.HS384, "HmacSHA384",
            JWSAlgorithm.HS512, "HmacSHA512");

    private final byte[] signingKey;
    private final Clock clock;
    private final ReplayGuard replayGuard;
    private final String replayScope;

    public MessageBirdSignature(String signingKey, Clock clock, ReplayGuard replayGuard, String replayScope) {
        this.signingKey = signingKey.getBytes(StandardCharsets.UTF_8);
        this.clock = clock;
        this.replayGuard = replayGuard;
        this.replayScope = replayScope;
    }

    /**
     * Checks the token against the URL MessageBird called and the raw body, then spends its {@code jti}.
     *
     * @throws WebhookRejection 401 without a token, 403 for any token that does not hold
     */
    public void verify(String token, String url, byte[] body) throws WebhookRejection {
        if (token == null || token.isBlank()) {
            throw WebhookRejection.unauthorized("the " + HEADER + " header is missing");
        }
        SignedJWT jwt;
        JWTClaimsSet claims;
        try {
            jwt = SignedJWT.parse(token.trim());
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw WebhookRejection.forbidden("the " + HEADER + " header is not a signed JWT");
        }
        String macAlgorithm = MAC_ALGORITHMS.get(jwt.getHeader().getAlgorithm());
        if (macAlgorithm == null) {
            throw WebhookRejection.forbidden(
                    "the signature algorithm " + jwt.getHeader().getAlgorithm() + " is not accepted");
        }
        if (!MessageDigest.isEqual(
                mac(macAlgorithm, jwt.getSigningInput()), jwt.getSignature().decode())) {
            throw WebhookRejection.forbidden("the signature does not match the signing key");
        }
        if (!ISSUER.equals(claims.getIssuer())) {
            throw WebhookRejection.forbidden("the token was not issued by " + ISSUER);
        }
        Instant expiresAt = checkTimeWindow(claims);
        if (!hashMatches(claim(claims, "url_hash"), url.getBytes(StandardCharsets.UTF_8))) {
            throw WebhookRejection.forbidden("the token was issued for another URL");
        }
        String payloadHash = claim(claims, "payload_hash");
        if (payloadHash == null && body.length > 0) {
            throw WebhookRejection.forbidden("the request has a body but the token has no payload_hash");
        }
        if (payloadHash != null && !hashMatches(payloadHash, body)) {
            throw WebhookRejection.forbidden("the body does not match the token's payload_hash");
        }
        String jti = claims.getJWTID();
        if (jti == null || jti.isBlank()) {
            throw WebhookRejection.forbidden("the token has no jti");
        }
        // Spent last, so that a token refused for another reason does not use up its id.
        if (!replayGuard.firstUse(replayScope, jti, expiresAt.plus(SKEW))) {
            throw WebhookRejection.forbidden("the token has already been used");
        }
    }

    private Instant checkTimeWindow(JWTClaimsSet claims) throws WebhookRejection {
        Instant now = clock.instant();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw WebhookRejection.forbidden("the token has no exp");
        }
        if (now.isAfter(exp.toInstant().plus(SKEW))) {
            throw WebhookRejection.forbidden("the token has expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.plus(SKEW).isBefore(nbf.toInstant())) {
            throw WebhookRejection.forbidden("the token is not valid yet");
        }
        Date iat = claims.getIssueTime();
        if (iat != null && now.plus(SKEW).isBefore(iat.toInstant())) {
            throw WebhookRejection.forbidden("the token was issued in the future");
        }
        Instant start = nbf != null ? nbf.toInstant() : iat != null ? iat.toInstant() : now;
        if (Duration.between(start, exp.toInstant()).compareTo(MAX_LIFETIME) > 0) {
            throw WebhookRejection.forbidden(
                    "the token is valid for longer than " + MAX_LIFETIME.toMinutes() + " minutes");
        }
        return exp.toInstant();
    }

    private static String claim(JWTClaimsSet claims, String name) throws WebhookRejection {
        try {
            return claims.getStringClaim(name);
        } catch (ParseException e) {
            throw WebhookRejection.forbidden("the token's " + name + " is not a string");
        }
    }

    /** Hex SHA-256, the form of {@code url_hash} and {@code payload_hash}. */
    static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static boolean hashMatches(String claimedHex, byte[] data) {
        if (claimedHex == null) {
            return false;
        }
        return MessageDigest.isEqual(
                sha256Hex(data).getBytes(StandardCharsets.US_ASCII),
                claimedHex.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII));
    }

    private byte[] mac(String algorithm, byte[] signingInput) {
        // The MAC is computed with the JDK rather than nimbus' MACVerifier because nimbus refuses keys
        // under 256 bits, and the signing key's length is MessageBird's choice, not ours.
        try {
            Mac mac = Mac.getInstance(algorithm);
            mac.init(new SecretKeySpec(signingKey, algorithm));
            return mac.doFinal(signingInput);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }
}
