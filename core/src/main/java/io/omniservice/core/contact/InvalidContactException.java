package io.omniservice.core.contact;

/** A contact or identity the API refuses: {@code field} is the request field, the message says what is wrong. */
public class InvalidContactException extends RuntimeException {
    private final String field;

    public InvalidContactException(String field, String detail) {
        super(field + " " + detail, null, false, false);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
