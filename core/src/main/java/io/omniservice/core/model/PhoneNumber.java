package io.omniservice.core.model;

/** E.164 phone numbers: normalizing what carriers send and masking them for logs. */
public final class PhoneNumber {
    private PhoneNumber() {}

    /**
     * The E.164 form of a number a carrier sent as {@code +15551234567}, {@code 15551234567} or with
     * separators; {@code null} when it is not a phone number (an alphanumeric sender id, say).
     */
    public static String e164(String raw) {
        if (raw == null) {
            return null;
        }
        StringBuilder digits = new StringBuilder(raw.length() + 1).append('+');
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c >= '0' && c <= '9') {
                digits.append(c);
            } else if (!(c == '+' && i == 0) && c != ' ' && c != '-' && c != '(' && c != ')' && c != '.') {
                return null;
            }
        }
        int n = digits.length() - 1;
        return n >= 7 && n <= 15 && digits.charAt(1) != '0' ? digits.toString() : null;
    }

    /** ITU-T E.164 country calling codes of two digits; 1 and 7 are the one-digit ones, every other is three. */
    private static final java.util.Set<String> TWO_DIGIT_CODES = java.util.Set.of(
            "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
            "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
            "86", "90", "91", "92", "93", "94", "95", "98");

    /**
     * The country calling code of an E.164 number ({@code +447700900123} → {@code 44}); null for anything else.
     * Calling codes are prefix-free, so the number's first one, two or three digits say which it is.
     */
    public static String callingCode(String e164) {
        if (e164 == null || !e164.matches("\\+[1-9]\\d{6,14}")) {
            return null;
        }
        if (e164.charAt(1) == '1' || e164.charAt(1) == '7') {
            return e164.substring(1, 2);
        }
        String two = e164.substring(1, 3);
        return TWO_DIGIT_CODES.contains(two) ? two : e164.substring(1, 4);
    }

    /** What {@link #senderId} takes, for error messages. */
    public static final String SENDER_ID_FORMS = "an E.164 number such as +14155550100, a short code of 3 to 8 digits"
            + " or an alphanumeric sender id of up to 11 letters, digits and spaces";

    /**
     * {@code value} when it is a sender a carrier shows: an E.164 number, a short code, or an alphanumeric sender
     * id (up to 11 letters, digits and spaces, at least one letter); null otherwise.
     */
    public static String senderId(String value) {
        if (value == null) {
            return null;
        }
        return value.matches("\\+[1-9]\\d{6,14}|\\d{3,8}|(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}") ? value : null;
    }

    /** {@code +14155550100} as {@code +1415***0100}, for logs; anything else keeps only its last 4 characters. */
    public static String mask(String value) {
        if (value == null) {
            return null;
        }
        if (value.length() <= 8) {
            return "***" + value.substring(Math.max(0, value.length() - 2));
        }
        return value.substring(0, 5) + "***" + value.substring(value.length() - 4);
    }
}
