package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.aws.dynamo.Tables.Participants;
import io.omniservice.aws.dynamo.Tables.Settings;
import io.omniservice.aws.dynamo.Writes.Condition;
import io.omniservice.core.contact.Contact;
import io.omniservice.core.contact.ContactStore;
import io.omniservice.core.contact.Identity;
import io.omniservice.core.contact.IdentityLinkedException;
import io.omniservice.core.json.Json;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Contacts on DynamoDB: the contact is one item in the {@code contact} partition of {@code settings} (its
 * identities in link order), and each identity it holds is a {@code contact} entry in that participant's
 * partition of {@code participants}. A link is one transaction that puts the identity's entry only if it is
 * absent and rewrites the contact only if it is as read, so of two links of one identity exactly one commits;
 * the other reads again and finds the winner.
 */
public final class DynamoDbContactStore implements ContactStore {
    private final DynamoDbClient client;
    private final Tables tables;
    private final Reads reads;

    public DynamoDbContactStore(DynamoDbClient client, Tables tables) {
        this.client = client;
        this.tables = tables;
        this.reads = new Reads(client);
    }

    private static Map<String, AttributeValue> contactKey(String contactId) {
        return Map.of(Settings.KIND, s(Settings.CONTACT), Settings.ID, s(contactId));
    }

    private static Map<String, AttributeValue> identityKey(Identity identity) {
        return Map.of(Participants.PARTICIPANT, s(identity.value()), Participants.ENTRY, s(Participants.CONTACT));
    }

    @Override
    public void createContact(Contact contact) {
        Transact.write(client, "a new contact", () -> {
            for (Identity identity : contact.identities()) {
                holder(identity).ifPresent(other -> {
                    throw new IdentityLinkedException(identity, other);
                });
            }
            Writes writes = new Writes();
            writes.put(
                    tables.name(Tables.SETTINGS),
                    contactKey(contact.id()),
                    item(contact),
                    Condition.absent(Settings.KIND));
            contact.identities().forEach(identity -> claim(writes, contact.id(), identity));
            return new Transact.Planned<>(writes, null);
        });
    }

    @Override
    public Optional<Contact> contact(String contactId) {
        return Optional.ofNullable(reads.get(tables.name(Tables.SETTINGS), contactKey(contactId)))
                .map(item -> contact(contactId, item));
    }

    @Override
    public Optional<Contact> contactOf(Identity identity) {
        // an entry without its contact cannot be: both are written in one transaction
        return holder(identity).flatMap(this::contact).filter(c -> c.holds(identity));
    }

    @Override
    public Optional<Contact> link(String contactId, Identity identity) {
        return change(
                "a contact's link",
                contactId,
                current -> {
                    if (current.holds(identity)) {
                        return current;
                    }
                    holder(identity).ifPresent(other -> {
                        throw new IdentityLinkedException(identity, other);
                    });
                    return current.linking(identity);
                },
                writes -> claim(writes, contactId, identity));
    }

    @Override
    public Optional<Contact> unlink(String contactId, Identity identity) {
        return change(
                "a contact's unlink",
                contactId,
                current -> current.unlinking(identity),
                writes -> writes.delete(
                        tables.name(Tables.PARTICIPANTS),
                        identityKey(identity),
                        new Condition(
                                "#contact = :contact",
                                Map.of("#contact", Participants.CONTACT_ID),
                                Map.of(":contact", s(contactId)))));
    }

    /**
     * Rewrites the contact as {@code next} makes it from the one read, with the identity's entry written
     * {@code alongside} in the same transaction; from a fresh read when another write came in between. Nothing
     * is written when {@code next} changes nothing; empty when there is no such contact.
     */
    private Optional<Contact> change(
            String what,
            String contactId,
            java.util.function.UnaryOperator<Contact> next,
            java.util.function.Consumer<Writes> alongside) {
        return Transact.write(client, what, () -> {
            Map<String, AttributeValue> read = reads.get(tables.name(Tables.SETTINGS), contactKey(contactId));
            if (read == null) {
                return new Transact.Planned<>(new Writes(), Optional.<Contact>empty());
            }
            Contact current = contact(contactId, read);
            Contact changed = next.apply(current);
            Writes writes = new Writes();
            if (!changed.equals(current)) {
                rewrite(writes, read, changed);
                alongside.accept(writes);
            }
            return new Transact.Planned<>(writes, Optional.of(changed));
        });
    }

    private Optional<String> holder(Identity identity) {
        return Optional.ofNullable(reads.get(tables.name(Tables.PARTICIPANTS), identityKey(identity)))
                .map(item -> Items.string(item, Participants.CONTACT_ID));
    }

    private void claim(Writes writes, String contactId, Identity identity) {
        Map<String, AttributeValue> entry = new HashMap<>(identityKey(identity));
        entry.put(Participants.CONTACT_ID, s(contactId));
        writes.put(
                tables.name(Tables.PARTICIPANTS),
                identityKey(identity),
                entry,
                Condition.absent(Participants.PARTICIPANT));
    }

    /** The contact's item as {@code next}, only if it is still the one read. */
    private void rewrite(Writes writes, Map<String, AttributeValue> read, Contact next) {
        writes.put(
                tables.name(Tables.SETTINGS),
                contactKey(next.id()),
                item(next),
                new Condition(
                        "#value = :read", Map.of("#value", Settings.VALUE), Map.of(":read", read.get(Settings.VALUE))));
    }

    private static Map<String, AttributeValue> item(Contact contact) {
        ObjectNode value = Json.MAPPER.createObjectNode();
        value.put("displayName", contact.displayName());
        var identities = value.putArray("identities");
        contact.identities().forEach(i -> identities.add(i.value()));
        Map<String, AttributeValue> item = new HashMap<>(contactKey(contact.id()));
        item.put(Settings.VALUE, s(Json.text(value)));
        item.put(Settings.CREATED_AT, Items.time(contact.createdAt()));
        return item;
    }

    private static Contact contact(String contactId, Map<String, AttributeValue> item) {
        JsonNode value;
        try {
            value = Json.MAPPER.readTree(Items.string(item, Settings.VALUE));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a stored contact is not JSON", e);
        }
        List<Identity> identities = new ArrayList<>();
        value.path("identities").forEach(i -> identities.add(new Identity(i.asText())));
        JsonNode name = value.get("displayName");
        return new Contact(
                contactId,
                name == null || name.isNull() ? null : name.asText(),
                identities,
                Items.instant(item, Settings.CREATED_AT));
    }
}
