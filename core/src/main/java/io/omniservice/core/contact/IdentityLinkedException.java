package io.omniservice.core.contact;

/** An identity that already belongs to another contact: one address is one person. */
public class IdentityLinkedException extends RuntimeException {
    private final Identity identity;
    private final String contactId;

    public IdentityLinkedException(Identity identity, String contactId) {
        super(identity + " is linked to contact " + contactId + "; unlink it there first", null, false, false);
        this.identity = identity;
        this.contactId = contactId;
    }

    public Identity identity() {
        return identity;
    }

    /** The contact that holds it. */
    public String contactId() {
        return contactId;
    }
}
