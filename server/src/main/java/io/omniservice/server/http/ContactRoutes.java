package io.omniservice.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.omniservice.core.contact.Contact;
import io.omniservice.core.contact.Contacts;
import io.omniservice.core.contact.Identity;
import io.omniservice.core.contact.IdentityLinkedException;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.ApiError;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code /v1/contacts}: a person's identities across channels, linked and unlinked, found by identity, and
 * their joined timeline. Contacts are shared by the clients that read messages, as conversations are; the
 * timeline shows only the messages the calling client may read.
 */
final class ContactRoutes {
    private static final Set<String> CONTACT_FIELDS = Set.of("displayName", "identities");

    private final Contacts contacts;
    private final MediaPipeline media;

    ContactRoutes(Contacts contacts, MediaPipeline media) {
        this.contacts = contacts;
        this.media = media;
    }

    void create(Context ctx) {
        ObjectNode body = JsonBody.readObject(ctx.bodyAsBytes());
        body.fieldNames().forEachRemaining(field -> {
            if (!CONTACT_FIELDS.contains(field)) {
                throw ApiException.invalidField(field, "is not a contact field; give displayName and identities");
            }
        });
        JsonNode name = body.get("displayName");
        if (name != null && !name.isNull() && !name.isTextual()) {
            throw ApiException.invalidField("displayName", "must be a string");
        }
        JsonNode given = body.get("identities");
        List<Identity> identities = new ArrayList<>();
        if (given != null && !given.isNull()) {
            if (!given.isArray()) {
                throw ApiException.invalidField("identities", "must be a list of identities: " + Identity.FORMS);
            }
            for (int i = 0; i < given.size(); i++) {
                identities.add(identity(given.get(i), "identities[" + i + "]"));
            }
        }
        Contact made;
        try {
            made = contacts.create(name == null || name.isNull() ? null : name.asText(), identities);
        } catch (IdentityLinkedException e) {
            throw linked(e, "identities[" + identities.indexOf(e.identity()) + "]");
        }
        ctx.header("Location", "/v1/contacts/" + made.id());
        JsonBody.write(ctx, 201, made);
    }

    void contact(Context ctx) {
        JsonBody.write(ctx, 200, existing(ctx.pathParam("contactId")));
    }

    /** {@code ?identity=}: the contact holding it, as a list of none or one. */
    void find(Context ctx) {
        QueryParameters query = QueryParameters.parse(ctx.queryString());
        String raw = query.optional("identity")
                .orElseThrow(() -> ApiException.invalidParameter(
                        "identity", "give the identity to find the contact of: " + Identity.FORMS));
        Identity identity = parameter(raw, "identity");
        JsonBody.write(
                ctx,
                200,
                new QueryRoutes.PageBody<>(contacts.contactOf(identity).stream().toList(), null));
    }

    void link(Context ctx) {
        ObjectNode body = JsonBody.readObject(ctx.bodyAsBytes());
        body.fieldNames().forEachRemaining(field -> {
            if (!field.equals("identity")) {
                throw ApiException.invalidField(field, "is not a field of a link; give identity");
            }
        });
        Identity identity = identity(body.get("identity"), "identity");
        try {
            JsonBody.write(
                    ctx,
                    200,
                    contacts.link(ctx.pathParam("contactId"), identity).orElseThrow(ContactRoutes::notFound));
        } catch (IdentityLinkedException e) {
            throw linked(e, "identity");
        }
    }

    void unlink(Context ctx) {
        String contactId = ctx.pathParam("contactId");
        Identity identity = parameter(ctx.pathParam("identity"), "identity");
        if (!existing(contactId).holds(identity)) {
            throw ApiException.notFound("identity_not_linked", identity + " is not an identity of this contact");
        }
        JsonBody.write(ctx, 200, contacts.unlink(contactId, identity).orElseThrow(ContactRoutes::notFound));
    }

    void messages(Context ctx) {
        QueryParameters query = QueryParameters.parse(ctx.queryString());
        var page = query.page(ApiKeyAuthentication.client(ctx).audience());
        var timeline = contacts.timeline(ctx.pathParam("contactId"), page).orElseThrow(ContactRoutes::notFound);
        JsonBody.write(ctx, 200, QueryRoutes.PageBody.of(timeline.map(media::view)));
    }

    private Contact existing(String contactId) {
        return contacts.contact(contactId).orElseThrow(ContactRoutes::notFound);
    }

    private static ApiException notFound() {
        return ApiException.notFound("contact_not_found", "no contact has this id");
    }

    private static ApiException linked(IdentityLinkedException e, String field) {
        return new ApiException(new ApiError(409, "identity_already_linked", e.getMessage(), field));
    }

    private static Identity identity(JsonNode value, String field) {
        if (value == null || value.isNull()) {
            throw ApiException.invalidField(field, "is required: " + Identity.FORMS);
        }
        if (!value.isTextual()) {
            throw ApiException.invalidField(field, "must be a string: " + Identity.FORMS);
        }
        return Identity.parse(value.asText(), field);
    }

    /** An identity in a query string or path, where a {@code +} may have arrived as a space. */
    private static Identity parameter(String raw, String field) {
        return Identity.parse(QueryRoutes.participant(raw), field);
    }
}
