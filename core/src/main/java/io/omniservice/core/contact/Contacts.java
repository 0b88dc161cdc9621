package io.omniservice.core.contact;

import io.omniservice.core.model.Message;
import io.omniservice.core.store.MessageStore;
import io.omniservice.core.store.Page;
import io.omniservice.core.store.PageCursor;
import io.omniservice.core.store.PageRequest;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * What the API does with contacts, once for every store: the limits of a contact, its joined timeline (the
 * messages of every conversation of its identities) and, for selection, the other addresses of the person a
 * send goes to.
 */
public final class Contacts {
    private final ContactStore store;
    private final MessageStore messages;
    private final Clock clock;

    public Contacts(ContactStore store, MessageStore messages, Clock clock) {
        this.store = store;
        this.messages = messages;
        this.clock = clock;
    }

    /**
     * A new contact holding {@code identities}.
     *
     * @throws InvalidContactException naming {@code displayName} or {@code identities[i]}
     * @throws IdentityLinkedException when one of them is another contact's (nothing is stored)
     */
    public Contact create(String displayName, List<Identity> identities) {
        if (displayName != null && (displayName.isBlank() || displayName.length() > Contact.MAX_DISPLAY_NAME)) {
            throw new InvalidContactException(
                    "displayName", "must be 1 to " + Contact.MAX_DISPLAY_NAME + " characters");
        }
        if (identities.size() > Contact.MAX_IDENTITIES) {
            throw new InvalidContactException("identities", "holds at most " + Contact.MAX_IDENTITIES + " identities");
        }
        Set<Identity> seen = new HashSet<>();
        for (int i = 0; i < identities.size(); i++) {
            if (!seen.add(identities.get(i))) {
                throw new InvalidContactException("identities[" + i + "]", "is listed twice");
            }
        }
        Contact contact = new Contact(
                UUID.randomUUID().toString(),
                displayName,
                identities,
                clock.instant().truncatedTo(ChronoUnit.MICROS));
        store.createContact(contact);
        return contact;
    }

    public Optional<Contact> contact(String contactId) {
        return store.contact(contactId);
    }

    public Optional<Contact> contactOf(Identity identity) {
        return store.contactOf(identity);
    }

    /**
     * Links {@code identity} to the contact; empty when there is none.
     *
     * @throws InvalidContactException naming {@code identity} when the contact is full
     * @throws IdentityLinkedException when another contact holds it
     */
    public Optional<Contact> link(String contactId, Identity identity) {
        Optional<Contact> current = store.contact(contactId);
        if (current.isPresent()
                && !current.get().holds(identity)
                && current.get().identities().size() >= Contact.MAX_IDENTITIES) {
            throw new InvalidContactException(
                    "identity", "cannot be linked: a contact holds at most " + Contact.MAX_IDENTITIES + " identities");
        }
        return current.isEmpty() ? current : store.link(contactId, identity);
    }

    /** Unlinks {@code identity}; its conversation stays as it is. Empty when there is no such contact. */
    public Optional<Contact> unlink(String contactId, Identity identity) {
        return store.unlink(contactId, identity);
    }

    /**
     * The contact's joined timeline: every message of the conversations of its identities that {@code page}'s
     * audience may read, oldest first; empty when there is no such contact. An identity linked or unlinked between
     * two pages changes the pages that follow, never the order.
     */
    public Optional<Page<Message>> timeline(String contactId, PageRequest page) {
        return store.contact(contactId)
                .map(contact -> messages.conversationsMessages(
                        contact.identities().stream()
                                .map(i -> i.conversation().conversationId())
                                .collect(Collectors.toCollection(LinkedHashSet::new)),
                        PageCursor.contactListing(contactId),
                        page));
    }

    /**
     * The other identities of the person a send's {@code to} addresses, in the order they were linked; none when
     * no contact holds that address.
     */
    public List<Identity> otherIdentities(String to) {
        Identity addressed = Identity.ofRecipient(to);
        if (addressed == null) {
            return List.of();
        }
        return store.contactOf(addressed)
                .map(c -> c.identities().stream()
                        .filter(i -> !i.equals(addressed))
                        .toList())
                .orElse(List.of());
    }
}
