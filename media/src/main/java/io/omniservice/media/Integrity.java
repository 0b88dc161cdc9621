package io.omniservice.media;

import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Whether a download is the file the carrier described. Carriers that give a SHA-256 with the attachment
 * (WhatsApp) give it in hex or in Base64; a digest in neither form says nothing and is not held against
 * the file.
 */
final class Integrity {
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private Integrity() {}

    /**
     * @param declared the carrier's SHA-256 of the file, or null
     * @param actual the downloaded bytes' SHA-256 in lower-case hex
     * @return what is wrong, or empty when the digests agree or the carrier gave none we can read
     */
    static Optional<String> mismatch(String declared, String actual) {
        if (declared == null || declared.isBlank()) {
            return Optional.empty();
        }
        String expected = null;
        if (HEX.matcher(declared).matches()) {
            expected = declared.toLowerCase(Locale.ROOT);
        } else {
            try {
                byte[] digest = Base64.getDecoder().decode(declared.trim());
                if (digest.length == 32) {
                    expected = HexFormat.of().formatHex(digest);
                }
            } catch (IllegalArgumentException notBase64) {
                // not a digest we can read
            }
        }
        if (expected == null || expected.equals(actual)) {
            return Optional.empty();
        }
        return Optional.of("does not match the carrier's SHA-256 (" + declared + "): got " + actual);
    }
}
