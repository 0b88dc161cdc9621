package io.omniservice.carriers.inteliquent;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Vectors computed independently (Python hashlib/hmac) for key {@code iq-inbound-7b1f0c2e9d4a4c58}. */
class InteliquentVerificationTokenTest {
    private static final String KEY = "iq-inbound-7b1f0c2e9d4a4c58";
    private static final String MESSAGE_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    private static final String CONCATENATION_HASH = "591e36e135b1075d28c8dfb11a1061af82de47a550cdc7cf6d93ac69df66e9e0";
    private static final String HMAC = "9d006f7721928d1fe5abc9cb9184551ee16a6fce3b3512007f37c8058e2fb0af";

    private final InteliquentVerificationToken token = new InteliquentVerificationToken(KEY);

    @Test
    void concatenationHashMatchesIndependentVector() {
        assertThat(token.concatenationHash(MESSAGE_ID)).isEqualTo(CONCATENATION_HASH);
        assertThat(token.matches(MESSAGE_ID, CONCATENATION_HASH)).isTrue();
    }

    @Test
    void hmacMatchesIndependentVector() {
        assertThat(token.hmac(MESSAGE_ID)).isEqualTo(HMAC);
        assertThat(token.matches(MESSAGE_ID, HMAC)).isTrue();
    }

    @Test
    void hexCaseIsNotSignificant() {
        assertThat(token.matches(MESSAGE_ID, CONCATENATION_HASH.toUpperCase())).isTrue();
    }

    @Test
    void otherMessageIdOtherKeyOrTruncatedTokenIsRefused() {
        assertThat(token.matches("3f2504e0-4f89-41d3-9a0c-0305e82c3302", CONCATENATION_HASH))
                .isFalse();
        assertThat(new InteliquentVerificationToken(KEY + "x").matches(MESSAGE_ID, CONCATENATION_HASH))
                .isFalse();
        assertThat(token.matches(MESSAGE_ID, CONCATENATION_HASH.substring(0, 63)))
                .isFalse();
        // The MessageId followed by the key is not the documented order.
        assertThat(new InteliquentVerificationToken(MESSAGE_ID).matches(KEY, CONCATENATION_HASH))
                .isFalse();
    }
}
