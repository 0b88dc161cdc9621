package io.omniservice.carriers.twilio;

import com.twilio.http.HttpClient;
import com.twilio.http.Request;
import com.twilio.http.Response;
import com.twilio.http.TwilioRestClient;
import com.twilio.rest.api.v2010.account.MessageCreator;
import java.util.List;
import java.util.Map;

/**
 * Lets the official Twilio SDK build a send request and captures it instead of calling Twilio, so tests
 * compare our form field names and values with the SDK's own (test scope only; main code never uses it).
 */
final class TwilioSdkRequests {
    private TwilioSdkRequests() {}

    /** The form parameters the SDK posts for this message, its answer played by {@code answer}. */
    static Map<String, List<String>> postParams(MessageCreator creator, String accountSid, String answer) {
        Capture capture = new Capture(answer);
        TwilioRestClient client = new TwilioRestClient.Builder(accountSid, "sdk-token")
                .accountSid(accountSid)
                .httpClient(capture)
                .build();
        creator.create(client);
        return capture.request.getPostParams();
    }

    private static final class Capture extends HttpClient {
        private final String answer;
        private Request request;

        Capture(String answer) {
            this.answer = answer;
        }

        @Override
        public Response makeRequest(Request request) {
            this.request = request;
            return new Response(answer, 201);
        }
    }
}
