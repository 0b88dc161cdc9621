package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SmsSegmentsTest {
    @ParameterizedTest(name = "{0} × ''{1}'' → {2} {3} units, {4} segments")
    @CsvSource({
        // length, repeated text, encoding, units, segments
        "0,   a,  GSM-7, 0,   1",
        "160, a,  GSM-7, 160, 1",
        "161, a,  GSM-7, 161, 2",
        "306, a,  GSM-7, 306, 2",
        "307, a,  GSM-7, 307, 3",
        // the extension table costs two septets: 80 euro signs fill one segment, 81 need two
        "80,  €,  GSM-7, 160, 1",
        "81,  €,  GSM-7, 162, 2",
        "70,  é,  GSM-7, 70,  1",
        // one character outside GSM 03.38 makes the whole text UCS-2
        "70,  ж,  UCS-2, 70,  1",
        "71,  ж,  UCS-2, 71,  2",
        "134, ж,  UCS-2, 134, 2",
        "135, ж,  UCS-2, 135, 3",
    })
    void countsSegmentsByEncoding(int length, String unit, String encoding, int units, int segments) {
        assertThat(SmsSegments.of(unit.repeat(length))).isEqualTo(new SmsSegments(encoding, units, segments));
    }

    @ParameterizedTest
    @CsvSource({
        // an emoji is outside the alphabet and two UTF-16 units
        "'Your code is 1234 😀', UCS-2, 20",
        // ß, ñ and ü are in the GSM 03.38 default alphabet
        "'Straße ñ ü', GSM-7, 10"
    })
    void encodingFollowsTheAlphabetAndUcs2CountsUtf16Units(String text, String encoding, int units) {
        SmsSegments segments = SmsSegments.of(text);
        assertThat(segments.encoding()).isEqualTo(encoding);
        assertThat(segments.units()).isEqualTo(units);
    }
}
