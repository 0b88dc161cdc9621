package io.omniservice.media.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class S3SettingsTest {
    static final URI MINIO = URI.create("http://minio:9000");

    @Test
    void credentialsMustBeGivenTogetherOrNotAtAll() {
        assertThatThrownBy(() -> new S3Settings("b", "us-east-1", MINIO, true, "id", null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("together");
        assertThatThrownBy(() -> new S3Settings("b", "us-east-1", MINIO, true, null, "secret", null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(S3Settings.aws("b", "eu-west-1").hasStaticCredentials()).isFalse();
    }

    @Test
    void bucketRegionAndEndpointAreChecked() {
        assertThatThrownBy(() -> new S3Settings(" ", "us-east-1", null, false, null, null, null))
                .hasMessageContaining("bucket");
        assertThatThrownBy(() -> new S3Settings("b", null, null, false, null, null, null))
                .hasMessageContaining("region");
        assertThatThrownBy(() -> new S3Settings("b", "us-east-1", URI.create("minio:9000"), true, null, null, null))
                .hasMessageContaining("endpoint");
    }

    @ParameterizedTest
    @CsvSource(
            value = {"NULL, ''", "'', ''", "media, media/", "/media/, media/", "a/b//, a/b/", "'  /  ', ''"},
            nullValues = "NULL")
    void prefixBecomesAFolderEndingInOneSlash(String given, String expected) {
        S3Settings settings = new S3Settings("b", "us-east-1", null, false, null, null, given);

        assertThat(settings.prefix()).isEqualTo(expected);
        assertThat(settings.objectKey("k")).isEqualTo(expected + "k");
    }

    @Test
    void secretNeverAppearsInToString() {
        S3Settings settings = new S3Settings("b", "us-east-1", MINIO, true, "AKIDEXAMPLE", "wJalrXUtnFEMI", null);

        assertThat(settings.toString()).contains("AKIDEXAMPLE").doesNotContain("wJalrXUtnFEMI");
    }
}
