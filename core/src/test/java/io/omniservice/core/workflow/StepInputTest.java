package io.omniservice.core.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.json.Json;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.store.MessageStore;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StepInputTest {
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicInteger ownerReads = new AtomicInteger();
    private final Message inStore = message("as read back");
    private final MessageStore store = (MessageStore) Proxy.newProxyInstance(
            MessageStore.class.getClassLoader(), new Class<?>[] {MessageStore.class}, (proxy, method, args) -> {
                if (method.getName().equals("message")) {
                    reads.incrementAndGet();
                    return Optional.of(inStore);
                }
                if (method.getName().equals("owner")) {
                    ownerReads.incrementAndGet();
                    return args[0].equals("msg-1") ? Optional.of(new MessageStore.Owner("crm")) : Optional.empty();
                }
                throw new UnsupportedOperationException(method.getName());
            });

    @Test
    void aMessageHandedOverWithItsEventIsNotReadBack() {
        Message handed = message("as handed over");
        StepInput input = new StepInput(event(handed), Json.MAPPER.createObjectNode(), store, m -> m);

        assertThat(input.message()).isSameAs(handed);
        assertThat(input.messageAsShown()).isSameAs(handed);
        assertThat(reads).hasValue(0);
    }

    @Test
    void anEventFromTheStoreReadsItsMessageOnceForAllSteps() {
        StepInput input = new StepInput(event(null), Json.MAPPER.createObjectNode(), store, m -> m);

        assertThat(input.message()).isSameAs(inStore);
        assertThat(input.message()).isSameAs(inStore);
        assertThat(reads).hasValue(1);
    }

    @Test
    void aStatusChangeLearnsWhoseMessageItIsWithoutReadingTheMessage() {
        StepInput input = new StepInput(event(null), Json.MAPPER.createObjectNode(), store, m -> m);

        assertThat(input.messageClient()).isEqualTo("crm");
        assertThat(reads).hasValue(0);
        assertThat(ownerReads).hasValue(1);
    }

    @Test
    void aMessageAtHandTellsItsClientWithoutAnotherRead() {
        StepInput handedOver =
                new StepInput(event(message("as handed over")), Json.MAPPER.createObjectNode(), store, m -> m);
        StepInput alreadyRead = new StepInput(event(null), Json.MAPPER.createObjectNode(), store, m -> m);
        alreadyRead.message();

        assertThat(handedOver.messageClient()).isNull();
        assertThat(alreadyRead.messageClient()).isNull();
        assertThat(ownerReads).hasValue(0);
        assertThat(reads).hasValue(1);
    }

    @Test
    void aMessageThatIsGoneFailsTheStepInsteadOfConcerningEveryone() {
        StepInput input = new StepInput(event(null, "msg-gone"), Json.MAPPER.createObjectNode(), store, m -> m);

        assertThatThrownBy(input::messageClient)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("msg-gone is not stored");
    }

    private static ChangeEvent event(Message stored) {
        return event(stored, "msg-1");
    }

    private static ChangeEvent event(Message stored, String messageId) {
        return new ChangeEvent(
                1,
                UUID.randomUUID(),
                ChangeEvent.MESSAGE_RECEIVED,
                messageId,
                "conv-1",
                null,
                Instant.EPOCH,
                0,
                0,
                null,
                stored);
    }

    private static Message message(String text) {
        return new Message(
                "msg-1",
                "conv-1",
                Direction.INBOUND,
                CarrierType.TWILIO,
                "+14155550100",
                null,
                "+14155550199",
                new MessageContent.Text(text),
                MessageStatus.RECEIVED,
                new Message.Timestamps(Instant.EPOCH, null, null, null),
                "SM1",
                null,
                List.of(),
                new MessageMetadata(CarrierType.TWILIO, "default", "SM1", null, null, Instant.EPOCH, null, null));
    }
}
