package io.omniservice.core.access;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * An authenticated caller of the API: an API key's name, or {@code jwt:<subject>}, and its scopes. What it
 * creates (outbound messages, subscriptions, rules) carries its id as the owner; another client sees none
 * of it, an admin sees everything.
 */
public record ApiClient(String id, Set<Scope> scopes) {
    public ApiClient {
        Objects.requireNonNull(id, "id");
        scopes = scopes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(scopes));
    }

    public boolean isAdmin() {
        return scopes.contains(Scope.ADMIN);
    }

    /** An admin has every scope. */
    public boolean has(Scope scope) {
        return isAdmin() || scopes.contains(scope);
    }

    /** Whether a resource owned by {@code owner} (null: shared) is this client's to see. */
    public boolean sees(String owner) {
        return owner == null || isAdmin() || owner.equals(id);
    }

    /**
     * Whether this client may read a message: one sent through the API is its sender's (and admins'); the
     * rest — inbound messages and the gateway's own replies — form the shared inbox of {@code messages:read}.
     */
    public boolean reads(io.omniservice.core.model.Message message) {
        String owner = message.metadata() == null ? null : message.metadata().client();
        return owner == null ? has(Scope.MESSAGES_READ) : sees(owner);
    }

    /** What store reads should show this client. */
    public Audience audience() {
        return isAdmin() ? Audience.EVERYONE : Audience.of(id);
    }
}
