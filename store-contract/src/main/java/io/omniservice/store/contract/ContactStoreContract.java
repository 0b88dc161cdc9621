package io.omniservice.store.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.contact.Contact;
import io.omniservice.core.contact.ContactStore;
import io.omniservice.core.contact.Contacts;
import io.omniservice.core.contact.Identity;
import io.omniservice.core.contact.IdentityLinkedException;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.Sender;
import io.omniservice.core.store.InboundBatch;
import io.omniservice.core.store.InvalidCursorException;
import io.omniservice.core.store.PageRequest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The contacts' contract on every whole storage: identities read back in link order, one contact per identity
 * (also when two nodes link it at once), unlinking, and the joined timeline over the store's messages.
 */
public abstract class ContactStoreContract extends OutboundStoreContract {

    private ContactStore contacts() {
        return storage.contacts();
    }

    private Contacts service() {
        return new Contacts(storage.contacts(), storage.messages(), Clock.systemUTC());
    }

    private static Identity liveChat() {
        return new Identity(
                "livechat:" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    }

    private static Contact contact(String name, Identity... identities) {
        return new Contact(UUID.randomUUID().toString(), name, List.of(identities), now());
    }

    @Test
    void contactIsReadByIdAndByEachOfItsIdentities() {
        Identity phone = new Identity(phone());
        Identity chat = liveChat();
        Contact made = contact("Ada Lovelace", chat, phone);
        contacts().createContact(made);

        assertThat(contacts().contact(made.id())).contains(made);
        assertThat(contacts().contactOf(phone)).contains(made);
        assertThat(contacts().contactOf(chat)).contains(made);
        assertThat(contacts().contactOf(new Identity(phone()))).isEmpty();
        assertThat(contacts().contact(UUID.randomUUID().toString())).isEmpty();
    }

    @Test
    void linksKeepTheirOrderAndAnUnlinkFreesTheIdentity() {
        Identity chat = liveChat();
        Identity phone = new Identity(phone());
        Identity user =
                new Identity("whatsapp-user:US." + ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
        Contact made = contact(null, chat);
        contacts().createContact(made);

        contacts().link(made.id(), phone);
        assertThat(contacts().link(made.id(), user).orElseThrow().identities()).containsExactly(chat, phone, user);
        // linking what it holds changes nothing
        assertThat(contacts().link(made.id(), phone).orElseThrow().identities()).containsExactly(chat, phone, user);
        assertThat(contacts().contact(made.id()).orElseThrow().identities()).containsExactly(chat, phone, user);

        assertThat(contacts().unlink(made.id(), phone).orElseThrow().identities())
                .containsExactly(chat, user);
        assertThat(contacts().contact(made.id()).orElseThrow().identities()).containsExactly(chat, user);
        assertThat(contacts().contactOf(phone)).isEmpty();
        // an identity it does not hold: nothing to undo
        assertThat(contacts().unlink(made.id(), phone).orElseThrow().identities())
                .containsExactly(chat, user);

        // once free, another contact may take it; linked again it goes last
        Contact other = contact("other", phone);
        contacts().createContact(other);
        assertThat(contacts().contactOf(phone).orElseThrow().id()).isEqualTo(other.id());
        contacts().unlink(other.id(), phone);
        assertThat(contacts().link(made.id(), phone).orElseThrow().identities()).containsExactly(chat, user, phone);
    }

    @Test
    void anUnknownContactIsNeitherLinkedNorUnlinked() {
        Identity phone = new Identity(phone());
        String unknown = UUID.randomUUID().toString();
        assertThat(contacts().link(unknown, phone)).isEmpty();
        assertThat(contacts().unlink(unknown, phone)).isEmpty();
        assertThat(contacts().contactOf(phone)).isEmpty();
    }

    @Test
    void anIdentityOfAnotherContactIsRefusedAndACreationThatNeedsItStoresNothing() {
        Identity phone = new Identity(phone());
        Contact first = contact("first", phone);
        contacts().createContact(first);

        Contact second = contact("second", liveChat());
        contacts().createContact(second);
        assertThatThrownBy(() -> contacts().link(second.id(), phone))
                .isInstanceOfSatisfying(IdentityLinkedException.class, e -> {
                    assertThat(e.identity()).isEqualTo(phone);
                    assertThat(e.contactId()).isEqualTo(first.id());
                });
        assertThat(contacts().contact(second.id())).contains(second);

        Identity fresh = liveChat();
        Contact third = contact("third", fresh, phone);
        assertThatThrownBy(() -> contacts().createContact(third)).isInstanceOf(IdentityLinkedException.class);
        assertThat(contacts().contact(third.id())).isEmpty();
        assertThat(contacts().contactOf(fresh)).isEmpty();
        assertThat(contacts().contactOf(phone)).contains(first);
    }

    @Test
    void oneIdentityLinkedToSeveralContactsAtOnceEndsWithExactlyOne() throws Exception {
        int racers = 6;
        List<Contact> made = new ArrayList<>();
        for (int i = 0; i < racers; i++) {
            Contact c = contact("racer " + i, liveChat());
            contacts().createContact(c);
            made.add(c);
        }
        for (int round = 0; round < 3; round++) {
            Identity contested = new Identity(phone());
            List<Callable<String>> links = made.stream()
                    .<Callable<String>>map(c -> () -> {
                        try {
                            contacts().link(c.id(), contested);
                            return c.id();
                        } catch (IdentityLinkedException e) {
                            return null;
                        }
                    })
                    .toList();
            List<String> winners = new ArrayList<>();
            try (ExecutorService pool = Executors.newFixedThreadPool(racers)) {
                for (Future<String> outcome : pool.invokeAll(links)) {
                    if (outcome.get() != null) {
                        winners.add(outcome.get());
                    }
                }
            }
            assertThat(winners).hasSize(1);
            assertThat(contacts().contactOf(contested).orElseThrow().id()).isEqualTo(winners.getFirst());
            for (Contact c : made) {
                assertThat(contacts().contact(c.id()).orElseThrow().holds(contested))
                        .isEqualTo(c.id().equals(winners.getFirst()));
            }
        }
    }

    @Test
    void timelineJoinsTheConversationsOfTheContactsIdentitiesOldestFirst() {
        String number = phone();
        String customer =
                "customer-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
        List<InboundBatch.NewMessage> mine = new ArrayList<>();
        java.time.Instant base = now();
        for (int i = 0; i < 3; i++) {
            // each pair shares a time, so the id breaks the tie across conversations
            java.time.Instant at = base.plusSeconds(i);
            mine.add(inbound(
                    CarrierType.LIVECHAT, carrierId(), new Sender(null, customer, null, null), at, text("c" + i)));
            mine.add(inbound(CarrierType.TWILIO, carrierId(), Sender.phone(number, null), at, text("s" + i)));
        }
        var stranger = inbound(CarrierType.TWILIO, carrierId(), Sender.phone(phone(), null), now(), text("not theirs"));
        for (InboundBatch.NewMessage item : mine) {
            store.commit(batch(item));
        }
        store.commit(batch(stranger));
        Contacts contacts = service();
        Contact contact = contacts.create("Grace", List.of(new Identity("livechat:" + customer)));
        contacts.link(contact.id(), new Identity(number));

        List<String> expected = mine.stream()
                .map(InboundBatch.NewMessage::message)
                .sorted(Comparator.comparing((io.omniservice.core.model.NormalizedMessage m) ->
                                m.metadata().receivedAt())
                        .thenComparing(io.omniservice.core.model.NormalizedMessage::messageId))
                .map(io.omniservice.core.model.NormalizedMessage::messageId)
                .toList();
        assertThat(walk(4, page -> contacts.timeline(contact.id(), page).orElseThrow()))
                .containsExactlyElementsOf(expected);
        assertThat(walk(1, page -> contacts.timeline(contact.id(), page).orElseThrow()))
                .containsExactlyElementsOf(expected);

        // an unlink takes that conversation out of the timeline and leaves the conversation as it was
        contacts.unlink(contact.id(), new Identity(number));
        List<Message> chatOnly = contacts.timeline(contact.id(), new PageRequest(50, null))
                .orElseThrow()
                .items();
        assertThat(chatOnly)
                .extracting(Message::messageId)
                .containsExactlyElementsOf(expected.stream()
                        .filter(id -> mine.stream()
                                .anyMatch(m -> m.message().messageId().equals(id)
                                        && m.message().metadata().carrier() == CarrierType.LIVECHAT))
                        .toList());
        assertThat(store.conversation(new Identity(number).conversation().conversationId())
                        .orElseThrow()
                        .messageCount())
                .isEqualTo(3);

        // a cursor of another listing, or of another contact's timeline, is refused
        String cursor = contacts.timeline(contact.id(), new PageRequest(1, null))
                .orElseThrow()
                .nextCursor();
        Contact other = contacts.create(null, List.of());
        assertThatThrownBy(() -> contacts.timeline(other.id(), new PageRequest(1, cursor)))
                .isInstanceOf(InvalidCursorException.class);
        assertThat(contacts.timeline(other.id(), new PageRequest(10, null))
                        .orElseThrow()
                        .items())
                .isEmpty();
        assertThat(contacts.timeline(UUID.randomUUID().toString(), new PageRequest(10, null)))
                .isEmpty();
    }

    @Test
    void aSendToAnAddressOfAContactFindsItsOtherIdentitiesInLinkOrder() {
        String chat = Long.toHexString(ThreadLocalRandom.current().nextLong());
        Identity phone = new Identity(phone());
        Identity user =
                new Identity("whatsapp-user:US." + ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE));
        Contacts contacts = service();
        contacts.create(null, List.of(new Identity("livechat:" + chat), phone, user));

        // to.chatId is the bare chat id
        assertThat(contacts.otherIdentities(chat)).containsExactly(phone, user);
        assertThat(contacts.otherIdentities(phone.value())).containsExactly(new Identity("livechat:" + chat), user);
        assertThat(contacts.otherIdentities(phone())).isEmpty();
        assertThat(contacts.otherIdentities("whatsapp-group:120363")).isEmpty();
    }
}
