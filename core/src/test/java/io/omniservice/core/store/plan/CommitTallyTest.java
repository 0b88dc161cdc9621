package io.omniservice.core.store.plan;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.store.CommitResult;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommitTallyTest {

    @Test
    void aRepeatedReportIsADuplicateWhetherItsMessageIsStoredOrNot() {
        CommitTally tally = new CommitTally();

        assertThat(tally.status(false, true)).isEqualTo(CommitTally.StatusOutcome.DUPLICATE);
        assertThat(tally.status(false, false)).isEqualTo(CommitTally.StatusOutcome.DUPLICATE);
        assertThat(tally.result()).isEqualTo(new CommitResult(List.of(), 0, 0, 0, 2));
    }

    @Test
    void aNewReportIsAppliedToItsStoredMessageOrKeptUnmatched() {
        CommitTally tally = new CommitTally();

        assertThat(tally.status(true, true)).isEqualTo(CommitTally.StatusOutcome.APPLIED);
        assertThat(tally.status(true, false)).isEqualTo(CommitTally.StatusOutcome.UNMATCHED);
        assertThat(tally.result()).isEqualTo(new CommitResult(List.of(), 0, 1, 1, 0));
    }

    @Test
    void messagesCountAsStoredOrDuplicateInOrder() {
        CommitTally tally = new CommitTally();
        tally.stored("m1");
        tally.duplicateMessage();
        tally.stored("m2");

        assertThat(tally.result()).isEqualTo(new CommitResult(List.of("m1", "m2"), 1, 0, 0, 0));
    }
}
