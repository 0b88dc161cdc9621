package io.omniservice.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PhoneNumberTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            nullValues = "null",
            value = {
                "+14155550100, +14155550100",
                "14155550100, +14155550100",
                "+1 (415) 555-0100, +14155550100",
                "31612345678, +31612345678",
                "MyBrand, null",
                "+0123456789, null",
                "12345, null",
                "'', null",
                "+1415555010012345, null",
            })
    void normalizesToE164(String raw, String expected) {
        assertThat(PhoneNumber.e164(raw)).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"+14155550100, +1415***0100", "abc, ***bc"})
    void masksForLogs(String raw, String masked) {
        assertThat(PhoneNumber.mask(raw)).isEqualTo(masked);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            nullValues = "null",
            value = {
                "+14155550100, 1",
                "+79161234567, 7",
                "+447700900123, 44",
                "+4915112345678, 49",
                "+353861234567, 353",
                "+97150123456, 971",
                "14155550100, null",
                "MyBrand, null",
            })
    void callingCodeIsTheNumbersOneTwoOrThreeDigitPrefix(String number, String code) {
        assertThat(PhoneNumber.callingCode(number)).isEqualTo(code);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            nullValues = "null",
            value = {
                "+14155550100, +14155550100",
                "72345, 72345",
                "ACME Shop, ACME Shop",
                "12, null",
                "14155550100123456, null",
                "ACME-Shop, null",
                "TwelveLetter, null",
            })
    void senderIdsAreNumbersShortCodesOrShortNames(String value, String expected) {
        assertThat(PhoneNumber.senderId(value)).isEqualTo(expected);
    }
}
