package io.omniservice.carriers.bandwidth;

import static org.assertj.core.api.Assertions.assertThat;

import io.omniservice.core.model.InboundEvent;
import io.omniservice.core.model.InboundEvent.StatusUpdate;
import io.omniservice.core.model.MessageStatus;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * Every {@code errorCode} Bandwidth's messaging error list documents for {@code message-failed} reads as a
 * failed status that keeps the code and the callback's description; the fixtures show a few in full.
 */
class BandwidthErrorCodesTest {
    private static final Instant RECEIVED = Instant.parse("2026-11-24T12:00:00Z");

    @ParameterizedTest(name = "{0} {1}")
    @CsvFileSource(resources = "/io/omniservice/carriers/bandwidth/message-failed-error-codes.csv")
    void everyDocumentedErrorCodeIsAFailedStatusWithCodeAndDescriptionKept(int code, String description)
            throws Exception {
        String body = """
                [{"time":"2026-11-24T11:59:55.006Z","type":"message-failed","to":"+19195550123",
                  "description":"%s","errorCode":%d,
                  "message":{"id":"1795521581877f4ilc2h7bn0mu31","owner":"+19195550100",
                    "applicationId":"93de2206-9669-4e07-948d-329f4b722ee2","time":"2026-11-24T11:59:41.876Z",
                    "segmentCount":1,"direction":"out","to":["+19195550123"],"from":"+19195550100","text":""}}]
                """.formatted(description, code);

        List<InboundEvent> events =
                new BandwidthPayloadParser("default").parse(body.getBytes(StandardCharsets.UTF_8), RECEIVED);

        assertThat(events).singleElement().isInstanceOfSatisfying(StatusUpdate.class, status -> {
            assertThat(status.status()).isEqualTo(MessageStatus.FAILED);
            assertThat(status.carrierStatus()).isEqualTo("message-failed");
            assertThat(status.errorCode()).isEqualTo(Integer.toString(code));
            assertThat(status.errorMessage()).isEqualTo(description);
            assertThat(status.carrierMessageId()).isEqualTo("1795521581877f4ilc2h7bn0mu31");
            assertThat(status.recipient()).isEqualTo("+19195550123");
        });
    }
}
