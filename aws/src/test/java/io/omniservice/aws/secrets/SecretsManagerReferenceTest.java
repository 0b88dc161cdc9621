package io.omniservice.aws.secrets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class SecretsManagerReferenceTest {
    @Test
    void aKeyFollowsTheHash() {
        assertThat(SecretsManagerReference.parse("secretsmanager:omni/twilio#authToken"))
                .isEqualTo(new SecretsManagerReference("omni/twilio", "authToken"));
    }

    @Test
    void withoutAHashTheWholeSecretIsMeant() {
        assertThat(SecretsManagerReference.parse("secretsmanager:omni/whatsapp-app-secret"))
                .isEqualTo(new SecretsManagerReference("omni/whatsapp-app-secret", null));
    }

    @Test
    void anArnNamesASecretAndItsColonsStayInTheId() {
        String arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:omni/twilio-AbCdEf";

        assertThat(SecretsManagerReference.parse("secretsmanager:" + arn + "#authToken"))
                .isEqualTo(new SecretsManagerReference(arn, "authToken"));
    }

    @Test
    void aKeyMayHoldAHashOfItsOwn() {
        assertThat(SecretsManagerReference.parse("secretsmanager:omni/keys#a#b").jsonKey())
                .isEqualTo("a#b");
    }

    @Test
    void onlyValuesWithThePrefixAreReferences() {
        assertThat(SecretsManagerReference.isReference("secretsmanager:x")).isTrue();
        assertThat(SecretsManagerReference.isReference("plain-token")).isFalse();
        assertThat(SecretsManagerReference.isReference("SecretsManager:x")).isFalse();
        assertThat(SecretsManagerReference.isReference(null)).isFalse();
    }

    @Test
    void anEmptyOrMalformedIdIsRefused() {
        assertThatThrownBy(() -> SecretsManagerReference.parse("secretsmanager:#key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not name a secret");
        assertThatThrownBy(() -> SecretsManagerReference.parse("secretsmanager:omni twilio#key"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not name a secret");
    }

    @Test
    void anEmptyKeyIsRefused() {
        assertThatThrownBy(() -> SecretsManagerReference.parse("secretsmanager:omni/twilio#"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty key");
    }
}
