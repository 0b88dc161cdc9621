package io.omniservice.server.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one byte range {@code /media} serves, of a 1000-byte file: {@code first-last}, whole file, or 416. */
class MediaRangeTest {
    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "bytes=0-99       | 0-99",
                "bytes=100-       | 100-999",
                "bytes=-100       | 900-999",
                "bytes=-5000      | 0-999",
                "bytes=990-5000   | 990-999",
                "bytes=999-999    | 999-999",
                "bytes=1000-      | 416",
                "bytes=1000-1001  | 416",
                "bytes=-0         | 416",
                "bytes=5-3        | 416",
                "bytes=0-1,5-9    | whole",
                "items=0-5        | whole",
                "bytes=-          | whole",
                "bytes=99999999999999999999- | whole",
            })
    void readsOneRange(String header, String expected) {
        Optional<long[]> span = MediaRoutes.span(header.trim(), 1000);

        String got = span == null ? "416" : span.map(s -> s[0] + "-" + s[1]).orElse("whole");
        assertThat(got).isEqualTo(expected.trim());
    }
}
