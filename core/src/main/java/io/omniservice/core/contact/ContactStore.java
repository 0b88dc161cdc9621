package io.omniservice.core.contact;

import java.util.Optional;

/**
 * Where contacts and their identities are kept, shared by every node. An identity is held by at most one
 * contact, and the store keeps that true under concurrent links: of two links of one identity, exactly one
 * wins and the other gets {@link IdentityLinkedException}. Part of a {@link io.omniservice.core.store.Storage};
 * the contract is in {@code store-contract}.
 */
public interface ContactStore {

    /**
     * Stores a new contact with its identities, all or nothing.
     *
     * @throws IdentityLinkedException when one of them is another contact's
     */
    void createContact(Contact contact);

    Optional<Contact> contact(String contactId);

    /** The contact holding {@code identity}, if one does. */
    Optional<Contact> contactOf(Identity identity);

    /**
     * Links {@code identity} to the contact (nothing changes when it already holds it) and returns the contact
     * as it is now; empty when there is no such contact.
     *
     * @throws IdentityLinkedException when another contact holds it
     */
    Optional<Contact> link(String contactId, Identity identity);

    /**
     * Removes {@code identity} from the contact (nothing changes when it does not hold it) and returns the
     * contact as it is now; empty when there is no such contact. Conversations are not touched.
     */
    Optional<Contact> unlink(String contactId, Identity identity);
}
