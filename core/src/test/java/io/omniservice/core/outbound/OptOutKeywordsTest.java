package io.omniservice.core.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OptOutKeywordsTest {
    @ParameterizedTest
    @CsvSource({
        "STOP, STOP, OPT_OUT",
        "' stop ', STOP, OPT_OUT",
        "Unsubscribe., UNSUBSCRIBE, OPT_OUT",
        "stopall!, STOPALL, OPT_OUT",
        "quit, QUIT, OPT_OUT",
        "START, START, OPT_IN",
        "yes, YES, OPT_IN",
        "Unstop, UNSTOP, OPT_IN",
    })
    void aKeywordAloneIsRecognised(String body, String word, OptOutKeywords.Request request) {
        assertThat(OptOutKeywords.of(body)).contains(new OptOutKeywords.Keyword(word, request));
    }

    @ParameterizedTest
    @ValueSource(strings = {"please stop texting me", "stopping by later", "HELP", "", "yes please"})
    void anythingElseIsNot(String body) {
        assertThat(OptOutKeywords.of(body)).isEmpty();
    }
}
