package io.omniservice.carriers.messagebird;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.omniservice.carriers.testkit.CarrierFixtureTest;
import io.omniservice.carriers.testkit.FixtureRequest;
import io.omniservice.carriers.testkit.Prep;
import io.omniservice.core.carrier.CarrierAdapter;
import io.omniservice.core.carrier.CarrierContext;
import io.omniservice.core.carrier.CarrierSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * MessageBird's webhook cases. The "sign" steps build the {@code MessageBird-Signature-JWT} with nimbus'
 * own signer (not the code under test) over the fixture's URL and body, issued at the fixed test clock.
 */
class MessageBirdFixtureTest extends CarrierFixtureTest {
    static final String SIGNING_KEY = "mb-test-signing-key-5f1c0a9e7d3b42c8a6e1-9d0b3f7a2c6e4815b0d8e3a7c1f5";
    static final String OTHER_ACCOUNT_KEY = "mb-other-account-key-0b7e2d4c9a8f61e35d2c";

    @Override
    protected Map<String, Map<String, Object>> accounts() {
        return Map.of(
                "default", Map.of("signingKey", SIGNING_KEY, "accessKey", "test_gshuPaZoeEG6ovbc8M79w0QyM"),
                "eu", Map.of("signingKey", OTHER_ACCOUNT_KEY, "apiBaseUrl", "https://rest.messagebird.com"));
    }

    @Override
    protected CarrierAdapter create(CarrierSettings settings, CarrierContext context) {
        return new MessageBirdProvider().create(settings, context);
    }

    @Override
    protected Map<String, Prep> preps() {
        return Map.ofEntries(
                Map.entry("sign", r -> sign(r, JWSAlgorithm.HS256, SIGNING_KEY, c -> {})),
                Map.entry("sign-hs512", r -> sign(r, JWSAlgorithm.HS512, SIGNING_KEY, c -> {})),
                Map.entry("sign-with-other-account-key", r -> sign(r, JWSAlgorithm.HS256, OTHER_ACCOUNT_KEY, c -> {})),
                Map.entry(
                        "sign-expired",
                        r -> sign(r, JWSAlgorithm.HS256, SIGNING_KEY, c -> c.issueTime(at(Duration.ofMinutes(-10)))
                                .notBeforeTime(at(Duration.ofMinutes(-10)))
                                .expirationTime(at(Duration.ofMinutes(-9))))),
                Map.entry(
                        "sign-until-9999",
                        r -> sign(
                                r,
                                JWSAlgorithm.HS256,
                                SIGNING_KEY,
                                c -> c.expirationTime(Date.from(java.time.Instant.parse("9999-12-31T23:59:59Z"))))),
                Map.entry(
                        "sign-for-an-hour",
                        r -> sign(r, JWSAlgorithm.HS256, SIGNING_KEY, c -> c.expirationTime(at(Duration.ofHours(1))))),
                Map.entry(
                        "sign-not-yet-valid",
                        r -> sign(r, JWSAlgorithm.HS256, SIGNING_KEY, c -> c.issueTime(at(Duration.ofMinutes(1)))
                                .notBeforeTime(at(Duration.ofMinutes(1)))
                                .expirationTime(at(Duration.ofMinutes(2))))),
                Map.entry(
                        "sign-for-other-url",
                        r -> sign(
                                r,
                                JWSAlgorithm.HS256,
                                SIGNING_KEY,
                                c -> c.claim(
                                        "url_hash", sha256Hex("https://attacker.example.net/webhooks/messagebird")))),
                Map.entry(
                        "sign-without-payload-hash",
                        r -> sign(r, JWSAlgorithm.HS256, SIGNING_KEY, c -> c.claim("payload_hash", null))),
                Map.entry("sign-alg-none", MessageBirdFixtureTest::signUnsecured),
                Map.entry("break-signature", MessageBirdFixtureTest::breakSignature),
                Map.entry("tamper-body", r -> r.setBody(r.bodyText().replace("Hello", "Send me your password"))));
    }

    private static Date at(Duration offset) {
        return Date.from(NOW.plus(offset));
    }

    /** The claims MessageBird sends: iss, iat, nbf, exp (a minute), jti, url_hash, payload_hash when a body. */
    private static JWTClaimsSet.Builder claims(FixtureRequest request) {
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .issuer("MessageBird")
                .issueTime(at(Duration.ZERO))
                .notBeforeTime(at(Duration.ZERO))
                .expirationTime(at(Duration.ofMinutes(1)))
                .jwtID(UUID.nameUUIDFromBytes(
                                (request.url + "\n" + request.bodyText()).getBytes(StandardCharsets.UTF_8))
                        .toString())
                .claim("url_hash", sha256Hex(request.url));
        if (request.body.length > 0) {
            claims.claim("payload_hash", MessageBirdSignature.sha256Hex(request.body));
        }
        return claims;
    }

    private static void sign(
            FixtureRequest request, JWSAlgorithm algorithm, String key, Consumer<JWTClaimsSet.Builder> adjust)
            throws JOSEException {
        JWTClaimsSet.Builder claims = claims(request);
        adjust.accept(claims);
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(algorithm)
                        .type(com.nimbusds.jose.JOSEObjectType.JWT)
                        .build(),
                claims.build());
        jwt.sign(new MACSigner(key.getBytes(StandardCharsets.UTF_8)));
        request.setHeader(MessageBirdSignature.HEADER, jwt.serialize());
    }

    private static void signUnsecured(FixtureRequest request) {
        request.setHeader(
                MessageBirdSignature.HEADER, new PlainJWT(claims(request).build()).serialize());
    }

    private static void breakSignature(FixtureRequest request) {
        String token = request.header(MessageBirdSignature.HEADER);
        int dot = token.lastIndexOf('.');
        // Replace the signature with a well-formed one of the same length that is not the right one.
        String forged = "A".repeat(token.length() - dot - 1);
        request.setHeader(MessageBirdSignature.HEADER, token.substring(0, dot + 1) + forged);
    }

    private static String sha256Hex(String text) {
        return MessageBirdSignature.sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }
}
