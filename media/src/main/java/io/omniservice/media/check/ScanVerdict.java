package io.omniservice.media.check;

/**
 * What a malware scan concluded about one file: clean, or infected with a named signature. A scan that
 * could not conclude is an {@link java.io.IOException}, never a verdict, so a broken scanner cannot pass files.
 */
public record ScanVerdict(boolean infected, String signature) {
    public static final ScanVerdict CLEAN = new ScanVerdict(false, null);

    public ScanVerdict {
        if (infected && (signature == null || signature.isBlank())) {
            throw new IllegalArgumentException("an infected verdict names the signature that matched");
        }
        if (!infected && signature != null) {
            throw new IllegalArgumentException("a clean verdict has no signature");
        }
    }

    public static ScanVerdict infected(String signature) {
        return new ScanVerdict(true, signature);
    }
}
