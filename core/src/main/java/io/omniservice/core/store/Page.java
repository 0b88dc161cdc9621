package io.omniservice.core.store;

import java.util.List;

/** One page of a listing; {@code nextCursor} is null on the last page. */
public record Page<T>(List<T> items, String nextCursor) {
    public Page {
        items = List.copyOf(items);
    }

    /** The same page with each item transformed (a message as clients see it). */
    public <R> Page<R> map(java.util.function.Function<? super T, ? extends R> view) {
        return new Page<>(items.stream().<R>map(view).toList(), nextCursor);
    }
}
