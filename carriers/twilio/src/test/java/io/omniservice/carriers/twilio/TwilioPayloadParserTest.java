package io.omniservice.carriers.twilio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.omniservice.core.carrier.WebhookRejection;
import io.omniservice.core.model.InboundEvent.InboundMessage;
import io.omniservice.core.model.MessageContent;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TwilioPayloadParserTest {
    private static final Instant NOW = Instant.parse("2026-11-24T12:00:00Z");
    private static final String SID = "SM6b1d6c1e0f9a4c3b8e2d7f6a5b4c3d2e";
    private final TwilioPayloadParser parser = new TwilioPayloadParser("default");

    @Test
    void tenAttachmentsAreTwiliosMaximumAndAccepted() throws Exception {
        var message = (InboundMessage) parser.parse(mms(10), NOW).getFirst();

        assertThat(((MessageContent.Media) message.content()).items()).hasSize(10);
    }

    @Test
    void anEleventhAttachmentIsRefusedBeforeAnyListIsSizedByIt() {
        WebhookRejection refusal = catchThrowableOfType(WebhookRejection.class, () -> parser.parse(mms(11), NOW));

        assertThat(refusal.status()).isEqualTo(400);
        assertThat(refusal.field()).isEqualTo("NumMedia");
    }

    @Test
    void messageSidWithAParameterGluedOnIsNotASid() {
        Map<String, List<String>> fields = sms();
        fields.put("MessageSid", List.of(SID + "NumMedia0"));

        WebhookRejection refusal = catchThrowableOfType(WebhookRejection.class, () -> parser.parse(fields, NOW));

        assertThat(refusal.field()).isEqualTo("MessageSid");
    }

    @Test
    void sidsAreTwoLettersAnd32HexDigits() {
        assertThat(TwilioPayloadParser.MESSAGE_SID.matcher(SID).matches()).isTrue();
        assertThat(TwilioPayloadParser.MESSAGE_SID
                        .matcher("MM2c4e6a8b0d1f3a5c7e9b1d3f5a7c9e1b")
                        .matches())
                .isTrue();
        assertThat(TwilioPayloadParser.MESSAGE_SID.matcher("SM123").matches()).isFalse();
        assertThat(TwilioPayloadParser.MESSAGE_SID
                        .matcher("AC6b1d6c1e0f9a4c3b8e2d7f6a5b4c3d2e")
                        .matches())
                .isFalse();
        assertThat(TwilioPayloadParser.ACCOUNT_SID
                        .matcher("ACae0f6c7f1c4e4b8a9d2c3b4a5f6e7d8c")
                        .matches())
                .isTrue();
    }

    @Test
    void overLongFromIsRefusedAsTooLongNamingFrom() {
        Map<String, List<String>> fields = sms();
        fields.put("From", List.of("+" + "1".repeat(5000)));

        WebhookRejection refusal = catchThrowableOfType(WebhookRejection.class, () -> parser.parse(fields, NOW));

        assertThat(refusal.code()).isEqualTo("field_too_long");
        assertThat(refusal.field()).isEqualTo("From");
    }

    @Test
    void whatsAppUserIdWithoutAPhoneIsTheSameConversationTheMetaPathGivesThatUser() throws Exception {
        Map<String, List<String>> fields = sms();
        fields.put("From", List.of("whatsapp:US.13491208655302741918"));

        var message = (InboundMessage) parser.parse(fields, NOW).getFirst();

        assertThat(message.sender().phoneNumber()).isNull();
        assertThat(message.sender().address()).isEqualTo("whatsapp-user:US.13491208655302741918");
        assertThat(message.conversationKey().participant()).isEqualTo("whatsapp-user:US.13491208655302741918");
        assertThat(message.alias()).isEmpty();
    }

    @Test
    void whatsAppUserIdWithAPhoneWaIdKeepsBothSoTheStoreLinksTheTwoConversations() throws Exception {
        Map<String, List<String>> fields = sms();
        fields.put("From", List.of("whatsapp:US.13491208655302741918"));
        fields.put("WaId", List.of("14155550123"));

        var message = (InboundMessage) parser.parse(fields, NOW).getFirst();

        assertThat(message.sender().phoneNumber()).isEqualTo("+14155550123");
        assertThat(message.sender().userId()).isEqualTo("US.13491208655302741918");
        assertThat(message.sender().carrierId()).isEqualTo("whatsapp:US.13491208655302741918");
        assertThat(message.conversationKey().participant()).isEqualTo("+14155550123");
        assertThat(message.alias())
                .get()
                .extracting(k -> k.participant())
                .isEqualTo("whatsapp-user:US.13491208655302741918");
    }

    @Test
    void whatsAppUserIdWithANonPhoneWaIdStaysTheUserIdsConversation() throws Exception {
        Map<String, List<String>> fields = sms();
        fields.put("From", List.of("whatsapp:US.13491208655302741918"));
        fields.put("WaId", List.of("US.13491208655302741918"));

        var message = (InboundMessage) parser.parse(fields, NOW).getFirst();

        assertThat(message.sender().phoneNumber()).isNull();
        assertThat(message.conversationKey().participant()).isEqualTo("whatsapp-user:US.13491208655302741918");
    }

    @Test
    void theLongestUserIdWhatsAppAllowsIsReadAndOneCharacterMoreIsTooLong() throws Exception {
        Map<String, List<String>> fields = sms();
        String longest = "US.ENT." + "7".repeat(128);
        fields.put("From", List.of("whatsapp:" + longest));

        var message = (InboundMessage) parser.parse(fields, NOW).getFirst();
        assertThat(message.sender().userId()).isEqualTo(longest);

        fields.put("From", List.of("whatsapp:" + longest + "7"));
        WebhookRejection refusal = catchThrowableOfType(WebhookRejection.class, () -> parser.parse(fields, NOW));
        assertThat(refusal.code()).isEqualTo("field_too_long");
        assertThat(refusal.field()).isEqualTo("From");
    }

    @Test
    void aParentUserIdIsAUserId() throws Exception {
        Map<String, List<String>> fields = sms();
        fields.put("From", List.of("whatsapp:US.ENT.11815799212886844830"));

        var message = (InboundMessage) parser.parse(fields, NOW).getFirst();

        assertThat(message.conversationKey().participant()).isEqualTo("whatsapp-user:US.ENT.11815799212886844830");
    }

    private static Map<String, List<String>> sms() {
        Map<String, List<String>> fields = new LinkedHashMap<>();
        fields.put("MessageSid", List.of(SID));
        fields.put("AccountSid", List.of("ACae0f6c7f1c4e4b8a9d2c3b4a5f6e7d8c"));
        fields.put("From", List.of("+14155550123"));
        fields.put("To", List.of("+14155550100"));
        fields.put("Body", List.of("hi"));
        fields.put("SmsStatus", List.of("received"));
        return fields;
    }

    private static Map<String, List<String>> mms(int count) {
        Map<String, List<String>> fields = sms();
        fields.put("NumMedia", List.of(Integer.toString(count)));
        for (int i = 0; i < count; i++) {
            fields.put(
                    "MediaUrl" + i, List.of("https://api.twilio.com/2010-04-01/Accounts/AC/Messages/MM/Media/ME" + i));
        }
        return fields;
    }
}
