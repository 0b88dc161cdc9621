package io.omniservice.core.workflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.feed.ChangeEvent;
import io.omniservice.core.json.Json;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.Direction;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.model.Message;
import io.omniservice.core.model.MessageContent;
import io.omniservice.core.model.MessageMetadata;
import io.omniservice.core.model.MessageStatus;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.core.store.MessageStore;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MediaConversionStepTest {
    private static final MediaItem PHOTO = MediaItem.url("https://carrier.example/photo.png", "image/png");
    private static final MediaItem BROKEN = MediaItem.url("https://carrier.example/broken.png", "image/png");

    /** Stores every item except {@link #BROKEN}, whose fetch keeps failing; records what it was asked. */
    private final List<String> fetched = new ArrayList<>();

    private final List<MediaAccess> accessUsed = new ArrayList<>();
    private final MediaPipeline pipeline = new MediaPipeline() {
        @Override
        public MediaItem storeInbound(MediaItem item, MediaAccess access) throws IOException {
            fetched.add(item.url());
            accessUsed.add(access);
            if (item.url().equals(BROKEN.url())) {
                throw new IOException("connect timed out");
            }
            return item.stored("a".repeat(64), "image/png", 10, null);
        }

        @Override
        public MediaItem ingest(MediaItem requested) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<String> unfit(MediaItem stored, CarrierCapabilities carrier) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MediaItem prepare(MediaItem stored, CarrierCapabilities carrier, MediaAccess access) throws SendFailure {
            throw new UnsupportedOperationException();
        }

        @Override
        public MediaItem view(MediaItem stored) {
            return stored;
        }
    };
    private final MediaAccess twilioAccess = item -> {
        throw new UnsupportedOperationException();
    };

    private MediaConversionStep step() {
        return new MediaConversionStep(
                pipeline, (carrier, account) -> carrier == CarrierType.TWILIO ? twilioAccess : MediaAccess.PUBLIC, 3);
    }

    @Test
    void storesEachAttachmentWithItsCarriersAccessAndRewritesTheMessage() throws Exception {
        StepInput input = input(List.of(PHOTO), 0);

        StepResult result = step().run(input);

        Effect.MediaStored stored = (Effect.MediaStored) result.effects().getFirst();
        assertThat(stored.messageId()).isEqualTo("msg-1");
        assertThat(stored.content().body()).isEqualTo("look");
        assertThat(stored.content().items()).singleElement().satisfies(item -> {
            assertThat(item.status()).isEqualTo(MediaItem.STORED);
            assertThat(item.url()).isEqualTo(PHOTO.url());
        });
        assertThat(accessUsed).containsExactly(twilioAccess);
        // the later steps of the run see the stored attachments without reading the message again
        assertThat(input.message().content()).isEqualTo(stored.content());
    }

    @Test
    void aFailingFetchFailsTheStepUntilItsLastAttemptThenMarksTheAttachmentUnavailable() throws Exception {
        assertThatThrownBy(() -> step().run(input(List.of(PHOTO, BROKEN), 1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("timed out");

        StepResult last = step().run(input(List.of(PHOTO, BROKEN), 2));

        List<MediaItem> items =
                ((Effect.MediaStored) last.effects().getFirst()).content().items();
        assertThat(items.get(0).status()).isEqualTo(MediaItem.STORED);
        assertThat(items.get(1).status()).isEqualTo(MediaItem.UNAVAILABLE);
        assertThat(items.get(1).reason()).isEqualTo("not fetched in 3 attempts: connect timed out");
    }

    @Test
    void attachmentsAlreadyProcessedAreNotFetchedAgain() throws Exception {
        MediaItem done = PHOTO.stored("b".repeat(64), "image/png", 5, null);

        assertThat(step().run(input(List.of(done), 0))).isEqualTo(StepResult.NOTHING);
        assertThat(step().run(input(List.of(done, BROKEN.notStored(MediaItem.REFUSED, "text/html")), 0)))
                .isEqualTo(StepResult.NOTHING);
        assertThat(fetched).isEmpty();
    }

    @Test
    void withoutAPipelineReferencesPassThrough() throws Exception {
        assertThat(new MediaConversionStep(MediaPipeline.NONE, (carrier, account) -> MediaAccess.PUBLIC, 1)
                        .run(input(List.of(PHOTO), 0)))
                .isEqualTo(StepResult.NOTHING);
    }

    private static StepInput input(List<MediaItem> items, int failedAttempts) {
        Message message = new Message(
                "msg-1",
                "conv-1",
                Direction.INBOUND,
                CarrierType.TWILIO,
                "+14155550100",
                null,
                "+14155550199",
                new MessageContent.Media("look", items),
                MessageStatus.RECEIVED,
                new Message.Timestamps(Instant.EPOCH, null, null, null),
                "MM1",
                null,
                List.of(),
                new MessageMetadata(CarrierType.TWILIO, "default", "MM1", null, null, Instant.EPOCH, null, null));
        MessageStore store = (MessageStore) Proxy.newProxyInstance(
                MessageStore.class.getClassLoader(), new Class<?>[] {MessageStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("message")) {
                        return Optional.of(message);
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        ChangeEvent event = new ChangeEvent(
                1,
                UUID.randomUUID(),
                ChangeEvent.MESSAGE_RECEIVED,
                "msg-1",
                "conv-1",
                null,
                Instant.EPOCH,
                1,
                failedAttempts,
                Json.MAPPER.createObjectNode());
        StepInput input = new StepInput(event, Json.MAPPER.createObjectNode(), store, m -> m);
        input.running(failedAttempts);
        return input;
    }
}
