package io.omniservice.core.carrier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class FormBodyTest {

    @Test
    void keepsOrderRepeatsAndDecodes() throws Exception {
        var fields = FormBody.parse("Body=Hello+there%21&MediaUrl=a&MediaUrl=b&Empty=&Flag");
        assertThat(fields.keySet()).containsExactly("Body", "MediaUrl", "Empty", "Flag");
        assertThat(fields.get("Body")).containsExactly("Hello there!");
        assertThat(fields.get("MediaUrl")).isEqualTo(List.of("a", "b"));
        assertThat(fields.get("Empty")).containsExactly("");
        assertThat(fields.get("Flag")).containsExactly("");
    }

    @Test
    void firstIsTheFirstOfRepeatedValuesOrNullWhenAbsent() throws Exception {
        var fields = FormBody.parse("MediaUrl=a&MediaUrl=b&Empty=");
        assertThat(FormBody.first(fields, "MediaUrl")).isEqualTo("a");
        assertThat(FormBody.first(fields, "Empty")).isEmpty();
        assertThat(FormBody.first(fields, "Body")).isNull();
    }

    @Test
    void brokenEncodingIsMalformed() {
        assertThatThrownBy(() -> FormBody.parse("Body=%zz"))
                .isInstanceOfSatisfying(
                        WebhookRejection.class, r -> assertThat(r.status()).isEqualTo(400));
    }
}
