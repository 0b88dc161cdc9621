package io.omniservice.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class PageCursorTest {
    private final PageCursor cursors = new PageCursor(new byte[32]);
    private final PageCursor.Position position =
            new PageCursor.Position(Instant.parse("2026-03-01T10:15:30.123456Z"), "m-1");

    @Test
    void aCursorReadsBackInItsOwnListingOnly() {
        String cursor = cursors.encode(PageCursor.conversationListing("c-1"), position);

        assertThat(cursors.decode(PageCursor.conversationListing("c-1"), cursor))
                .isEqualTo(position);
        assertThatThrownBy(() -> cursors.decode(PageCursor.conversationListing("c-2"), cursor))
                .isInstanceOf(InvalidCursorException.class);
    }

    @Test
    void aCursorSignedWithAnotherKeyIsRefused() {
        byte[] other = new byte[32];
        other[0] = 1;
        String cursor = new PageCursor(other).encode(PageCursor.conversationsListing(null), position);

        assertThatThrownBy(() -> cursors.decode(PageCursor.conversationsListing(null), cursor))
                .isInstanceOf(InvalidCursorException.class);
    }
}
