package io.omniservice.carriers.twilio;

import com.twilio.security.RequestValidator;
import java.lang.reflect.Method;
import java.util.Map;

/**
 * Signs test requests with the official Twilio SDK's own code ({@code RequestValidator}'s signature
 * computation, which the SDK keeps private), so fixtures are signed independently of our implementation.
 */
final class TwilioSdkSigner {
    private TwilioSdkSigner() {}

    static String sign(String authToken, String url, Map<String, String> params) {
        try {
            Method method = RequestValidator.class.getDeclaredMethod("getValidationSignature", String.class, Map.class);
            method.setAccessible(true);
            return (String) method.invoke(new RequestValidator(authToken), url, params);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("the Twilio SDK's RequestValidator changed shape", e);
        }
    }
}
