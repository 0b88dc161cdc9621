package io.omniservice.media.sign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.media.MediaKeys;
import io.omniservice.media.sign.MediaSigner.Verdict;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class MediaSignerTest {
    static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    static final URI BASE = URI.create("https://gw.example.com/");
    static final String KEY = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    static final String OTHER_KEY = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
    static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    static MediaSigner signerAt(Instant now) {
        return new MediaSigner(SECRET, BASE, Clock.fixed(now, ZoneOffset.UTC));
    }

    /** The query of a signed URL as name → value. */
    static Map<String, String> query(URI url) {
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : url.getRawQuery().split("&")) {
            String[] parts = pair.split("=", 2);
            params.put(parts[0], parts[1]);
        }
        return params;
    }

    static Verdict verifyUrl(MediaSigner signer, URI url) {
        String path = url.getPath();
        String key = path.substring(path.lastIndexOf('/') + 1);
        Map<String, String> params = query(url);
        return signer.verify(key, params.get("expires"), params.get("signature"));
    }

    @Test
    void signedUrlVerifiesAsValid() {
        MediaSigner signer = signerAt(NOW);

        URI url = signer.url(KEY, Duration.ofMinutes(10));

        assertThat(url.getScheme()).isEqualTo("https");
        assertThat(url.getHost()).isEqualTo("gw.example.com");
        assertThat(url.getPath()).isEqualTo("/media/" + KEY);
        assertThat(query(url)).containsOnlyKeys("expires", "signature");
        assertThat(query(url).get("expires")).isEqualTo(String.valueOf(NOW.getEpochSecond() + 600));
        assertThat(query(url).get("signature")).matches("[0-9a-f]{64}");
        assertThat(verifyUrl(signer, url)).isEqualTo(Verdict.VALID);
    }

    /** The documented algorithm, computed independently of {@link MediaSigner}. */
    static String hmacHex(String key, String expires) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(SECRET, "HmacSHA256"));
        byte[] signature =
                mac.doFinal(("omniservice-media-v1\n" + key + "\n" + expires).getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(signature);
    }

    @Test
    void signatureIsHmacSha256OverTheDocumentedCanonicalString() throws Exception {
        URI url = signerAt(NOW).url(KEY, Duration.ofSeconds(60));

        assertThat(query(url).get("signature"))
                .isEqualTo(hmacHex(KEY, query(url).get("expires")));
    }

    @Test
    void expiryIsRoundedUpToAWholeSecond() {
        URI url = signerAt(NOW.plusMillis(1)).url(KEY, Duration.ofMillis(1500));

        assertThat(query(url).get("expires")).isEqualTo(String.valueOf(NOW.getEpochSecond() + 2));
    }

    @Test
    void linkIsValidThroughItsExpirySecondAndExpiredJustAfter() {
        URI url = signerAt(NOW).url(KEY, Duration.ofSeconds(30));
        Instant expiry = NOW.plusSeconds(30);

        assertThat(verifyUrl(signerAt(expiry.minusNanos(1)), url)).isEqualTo(Verdict.VALID);
        assertThat(verifyUrl(signerAt(expiry), url)).isEqualTo(Verdict.VALID);
        assertThat(verifyUrl(signerAt(expiry.plusNanos(1)), url)).isEqualTo(Verdict.EXPIRED);
        assertThat(verifyUrl(signerAt(expiry.plusSeconds(3600)), url)).isEqualTo(Verdict.EXPIRED);
    }

    @Test
    void oneChangedHexDigitIsABadSignature() {
        MediaSigner signer = signerAt(NOW);
        Map<String, String> params = query(signer.url(KEY, Duration.ofMinutes(1)));
        String signature = params.get("signature");

        for (int i = 0; i < signature.length(); i++) {
            char changed = signature.charAt(i) == 'a' ? 'b' : 'a';
            String forged = signature.substring(0, i) + changed + signature.substring(i + 1);
            assertThat(signer.verify(KEY, params.get("expires"), forged))
                    .as("digit %d changed", i)
                    .isEqualTo(Verdict.BAD_SIGNATURE);
        }
    }

    @Test
    void signatureDoesNotCarryOverToAnotherKey() {
        MediaSigner signer = signerAt(NOW);
        Map<String, String> params = query(signer.url(KEY, Duration.ofMinutes(1)));

        assertThat(signer.verify(OTHER_KEY, params.get("expires"), params.get("signature")))
                .isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void extendedExpiryIsABadSignatureNotAValidLink() {
        MediaSigner signer = signerAt(NOW);
        Map<String, String> params = query(signer.url(KEY, Duration.ofMinutes(1)));
        String later = String.valueOf(Long.parseLong(params.get("expires")) + 86_400);

        assertThat(signer.verify(KEY, later, params.get("signature"))).isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void forgedLinkThatIsAlsoExpiredOnlyLearnsItIsBad() {
        Map<String, String> params = query(signerAt(NOW).url(KEY, Duration.ofMinutes(1)));
        MediaSigner later = signerAt(NOW.plus(Duration.ofDays(1)));
        String earlier = String.valueOf(Long.parseLong(params.get("expires")) - 1);

        assertThat(later.verify(KEY, params.get("expires"), params.get("signature")))
                .isEqualTo(Verdict.EXPIRED);
        assertThat(later.verify(KEY, earlier, params.get("signature"))).isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @Test
    void linkSignedWithAnotherSecretIsBad() {
        byte[] otherSecret = "fedcba9876543210fedcba9876543210".getBytes(StandardCharsets.US_ASCII);
        URI url = new MediaSigner(otherSecret, BASE, Clock.fixed(NOW, ZoneOffset.UTC)).url(KEY, Duration.ofMinutes(1));

        assertThat(verifyUrl(signerAt(NOW), url)).isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(
            strings = {
                "-1",
                "-1772366400",
                "+1772366460",
                "01772366460",
                "1772366460.0",
                "1e10",
                " 1772366460",
                "99999999999999999999",
                "9223372036854775808",
                "abc"
            })
    void expiresNotInTheIssuedFormIsMalformed(String expires) {
        MediaSigner signer = signerAt(NOW);
        String signature = query(signer.url(KEY, Duration.ofMinutes(1))).get("signature");

        assertThat(signer.verify(KEY, expires, signature)).isEqualTo(Verdict.MALFORMED);
    }

    @Test
    void largestRepresentableExpiryIsParsedNotRejected() throws Exception {
        MediaSigner signer = signerAt(NOW);
        String never = String.valueOf(Long.MAX_VALUE);
        String unrelated = query(signer.url(KEY, Duration.ofMinutes(1))).get("signature");

        assertThat(signer.verify(KEY, never, unrelated)).isEqualTo(Verdict.BAD_SIGNATURE);
        assertThat(signer.verify(KEY, never, hmacHex(KEY, never))).isEqualTo(Verdict.VALID);
    }

    @Test
    void upperCaseHexSignatureIsMalformedBecauseWeOnlyIssueLowerCase() {
        MediaSigner signer = signerAt(NOW);
        Map<String, String> params = query(signer.url(KEY, Duration.ofMinutes(1)));

        assertThat(signer.verify(
                        KEY, params.get("expires"), params.get("signature").toUpperCase()))
                .isEqualTo(Verdict.MALFORMED);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"abc", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0"})
    void signatureOfTheWrongShapeIsMalformed(String signature) {
        MediaSigner signer = signerAt(NOW);
        String expires = query(signer.url(KEY, Duration.ofMinutes(1))).get("expires");

        assertThat(signer.verify(KEY, expires, signature)).isEqualTo(Verdict.MALFORMED);
    }

    @Test
    void quarantinedOrInvalidKeysAreNeitherSignedNorAccepted() {
        MediaSigner signer = signerAt(NOW);
        Map<String, String> params = query(signer.url(KEY, Duration.ofMinutes(1)));

        assertThatThrownBy(() -> signer.url(MediaKeys.quarantined(KEY), Duration.ofMinutes(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only content keys");
        assertThat(signer.verify(MediaKeys.quarantined(KEY), params.get("expires"), params.get("signature")))
                .isEqualTo(Verdict.MALFORMED);
        assertThat(signer.verify(KEY.toUpperCase(), params.get("expires"), params.get("signature")))
                .isEqualTo(Verdict.MALFORMED);
        assertThat(signer.verify(null, params.get("expires"), params.get("signature")))
                .isEqualTo(Verdict.MALFORMED);
    }

    @Test
    void baseUrlWithAPathPrefixKeepsThePrefix() {
        for (String base : new String[] {"https://gw.example.com/omni/", "https://gw.example.com/omni"}) {
            MediaSigner signer = new MediaSigner(SECRET, URI.create(base), Clock.fixed(NOW, ZoneOffset.UTC));

            URI url = signer.url(KEY, Duration.ofMinutes(1));

            assertThat(url.toString()).startsWith("https://gw.example.com/omni/media/" + KEY + "?expires=");
            assertThat(verifyUrl(signer, url)).isEqualTo(Verdict.VALID);
        }
    }

    @Test
    void secretShorterThan32BytesIsRefused() {
        assertThatThrownBy(() -> new MediaSigner(new byte[31], BASE, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 32 bytes, got 31");
        assertThatThrownBy(() -> new MediaSigner(null, BASE, Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void laterChangesToTheCallersSecretArrayDoNotChangeTheSigner() {
        byte[] secret = SECRET.clone();
        MediaSigner signer = new MediaSigner(secret, BASE, Clock.fixed(NOW, ZoneOffset.UTC));
        URI url = signer.url(KEY, Duration.ofMinutes(1));

        secret[0] ^= 1;

        assertThat(verifyUrl(signer, url)).isEqualTo(Verdict.VALID);
        assertThat(verifyUrl(new MediaSigner(secret, BASE, Clock.fixed(NOW, ZoneOffset.UTC)), url))
                .isEqualTo(Verdict.BAD_SIGNATURE);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "gw.example.com",
                "/omni/",
                "ftp://gw.example.com/",
                "https://gw.example.com/?a=b",
                "https://gw.example.com/#top"
            })
    void baseUrlThatIsNotAPlainHttpLocationIsRefused(String base) {
        assertThatThrownBy(() -> new MediaSigner(SECRET, URI.create(base), Clock.systemUTC()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("public base URL");
    }

    @Test
    void lifetimeMustBePositive() {
        MediaSigner signer = signerAt(NOW);

        assertThatThrownBy(() -> signer.url(KEY, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> signer.url(KEY, Duration.ofSeconds(-5))).isInstanceOf(IllegalArgumentException.class);
    }
}
