package io.omniservice.server.http;

import io.omniservice.core.store.PageRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.function.Function;

/**
 * Pages over a short list already in order (a client's subscriptions or rules, bounded by its limits):
 * the cursor names the last item shown. A cursor that names no item is refused, since that item is gone
 * or the cursor was made up; either way the client starts again.
 */
final class ListPage {
    private ListPage() {}

    static <T> QueryRoutes.PageBody<T> of(List<T> ordered, Function<T, String> id, PageRequest page) {
        int from = 0;
        if (page.cursor() != null) {
            String after;
            try {
                after = new String(Base64.getUrlDecoder().decode(page.cursor()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalidParameter("cursor", "is not a cursor this listing gave");
            }
            from = -1;
            for (int i = 0; i < ordered.size(); i++) {
                if (id.apply(ordered.get(i)).equals(after)) {
                    from = i + 1;
                    break;
                }
            }
            if (from < 0) {
                throw ApiException.invalidParameter("cursor", "names an item that is no longer listed; start again");
            }
        }
        int to = Math.min(ordered.size(), from + page.limit());
        List<T> shown = ordered.subList(from, to);
        String next = to < ordered.size()
                ? Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(id.apply(shown.getLast()).getBytes(StandardCharsets.UTF_8))
                : null;
        return new QueryRoutes.PageBody<>(List.copyOf(shown), next);
    }
}
