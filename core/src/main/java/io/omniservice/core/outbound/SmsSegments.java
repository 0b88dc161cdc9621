package io.omniservice.core.outbound;

/**
 * How many SMS segments a text takes. GSM-7 (the GSM 03.38 default alphabet, where the extension
 * characters cost two septets) fits 160 characters in one segment and 153 per segment when concatenated;
 * any other character makes the whole text UCS-2: 70, or 67 per segment, counted in UTF-16 code units.
 *
 * @param encoding {@code GSM-7} or {@code UCS-2}
 * @param units septets (GSM-7) or UTF-16 code units (UCS-2)
 */
public record SmsSegments(String encoding, int units, int segments) {
    private static final String GSM_BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    private static final String GSM_EXTENSION = "\f^{}\\[~]|€";

    public static SmsSegments of(String text) {
        int septets = 0;
        boolean gsm = true;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (GSM_BASIC.indexOf(c) >= 0) {
                septets++;
            } else if (GSM_EXTENSION.indexOf(c) >= 0) {
                septets += 2;
            } else {
                gsm = false;
                break;
            }
        }
        if (gsm) {
            return new SmsSegments("GSM-7", septets, count(septets, 160, 153));
        }
        return new SmsSegments("UCS-2", text.length(), count(text.length(), 70, 67));
    }

    private static int count(int units, int single, int concatenated) {
        if (units == 0) {
            return 1;
        }
        return units <= single ? 1 : (units + concatenated - 1) / concatenated;
    }
}
