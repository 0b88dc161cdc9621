package io.omniservice.aws.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.outbound.Priority;
import org.junit.jupiter.api.Test;

class SendQueueSettingsTest {

    @Test
    void eachPriorityHasItsFifoQueueBesideOneDeadLetterQueue() {
        SendQueueSettings settings = new SendQueueSettings("omniservice-sends", 5, false);

        assertThat(settings.queueName(Priority.HIGH)).isEqualTo("omniservice-sends-high.fifo");
        assertThat(settings.queueName(Priority.NORMAL)).isEqualTo("omniservice-sends-normal.fifo");
        assertThat(settings.queueName(Priority.LOW)).isEqualTo("omniservice-sends-low.fifo");
        assertThat(settings.deadLetterQueueName()).isEqualTo("omniservice-sends-dead.fifo");
    }

    @Test
    void aNameSqsWouldRefuseIsRefusedAtStart() {
        assertThatThrownBy(() -> new SendQueueSettings("sends.fifo", 5, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'sends.fifo'");
        // the longest queue name, <name>-normal.fifo, must stay within SQS's 80 characters
        assertThat(new SendQueueSettings("n".repeat(68), 5, false).queueName(Priority.NORMAL))
                .hasSize(80);
        assertThatThrownBy(() -> new SendQueueSettings("n".repeat(69), 5, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 to 68");
    }

    @Test
    void maxReceiveCountIsWithinWhatSqsAllows() {
        assertThatThrownBy(() -> new SendQueueSettings("sends", 0, false))
                .hasMessage("send queue maxReceiveCount must be between 1 and 1000, not 0");
        assertThatThrownBy(() -> new SendQueueSettings("sends", 1001, false))
                .hasMessage("send queue maxReceiveCount must be between 1 and 1000, not 1001");
    }
}
