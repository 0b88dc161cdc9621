package io.omniservice.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class IntegrityTest {
    private static final byte[] DIGEST = sha256("the file");
    private static final String HEX = HexFormat.of().formatHex(DIGEST);

    @Test
    void agreesWithTheDigestInHexOrBase64() {
        assertThat(Integrity.mismatch(HEX, HEX)).isEmpty();
        assertThat(Integrity.mismatch(HEX.toUpperCase(Locale.ROOT), HEX)).isEmpty();
        assertThat(Integrity.mismatch(Base64.getEncoder().encodeToString(DIGEST), HEX))
                .isEmpty();
    }

    @Test
    void saysSoWhenTheBytesDiffer() {
        String other = HexFormat.of().formatHex(sha256("another file"));

        assertThat(Integrity.mismatch(HEX, other))
                .hasValueSatisfying(m -> assertThat(m).contains(HEX).contains(other));
        assertThat(Integrity.mismatch(Base64.getEncoder().encodeToString(DIGEST), other))
                .isPresent();
    }

    @Test
    void aMissingOrUnreadableDigestIsNotHeldAgainstTheFile() {
        assertThat(Integrity.mismatch(null, HEX)).isEmpty();
        assertThat(Integrity.mismatch("", HEX)).isEmpty();
        assertThat(Integrity.mismatch("not-a-digest", HEX)).isEmpty();
        assertThat(Integrity.mismatch(Base64.getEncoder().encodeToString(new byte[20]), HEX))
                .isEmpty();
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
