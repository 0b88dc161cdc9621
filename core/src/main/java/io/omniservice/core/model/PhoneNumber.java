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
