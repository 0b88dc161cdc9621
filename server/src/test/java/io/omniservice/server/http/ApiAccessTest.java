package io.omniservice.server.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.omniservice.server.support.RunningGateway;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who may call the API (API keys, HS256 and RS256 JWTs) and how often (a token bucket per client). */
class ApiAccessTest {
    private static final String SECRET = "jwt-secret-0123456789-0123456789-abcdef";
    private static final String SLOW_KEY = "slow-key-0123456789-abcdef";

    @TempDir
    Path data;

    WireMockServer jwks;
    RSAKey signingKey;
    RunningGateway gateway;

    @BeforeEach
    void start() throws Exception {
        signingKey = new RSAKeyGenerator(2048).keyID("k1").generate();
        jwks = new WireMockServer(WireMockConfiguration.options().dynamicPort());
        jwks.start();
        jwks.stubFor(get(urlPathEqualTo("/.well-known/jwks.json"))
                .willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody(new JWKSet(signingKey.toPublicJWK()).toString())));
        gateway = new RunningGateway(
                data,
                1 << 20,
                "    - {name: slow, key: %s, rateLimit: {requestsPerSecond: 1, burst: 1}}".formatted(SLOW_KEY),
                """
                  jwt:
                    hs256Secret: %s
                    jwksUrl: http://localhost:%d/.well-known/jwks.json
                    issuer: https://login.example.com/
                    audience: omniservice
                  rateLimit: {requestsPerSecond: 1, burst: 3}""".formatted(SECRET, jwks.port()).indent(2),
                "",
                List.of());
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
        jwks.stop();
    }

    private HttpResponse<String> carriers(String token) {
        return gateway.send(
                HttpRequest.newBuilder(gateway.uri("/v1/carriers")).header("Authorization", "Bearer " + token));
    }

    private static JWTClaimsSet claims(String subject, Instant expires, String issuer) {
        return new JWTClaimsSet.Builder()
                .subject(subject)
                .issuer(issuer)
                .audience("omniservice")
                .expirationTime(Date.from(expires))
                .build();
    }

    private static String hs256(JWTClaimsSet claims, String secret) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    private static String rs256(JWTClaimsSet claims, RSAKey key) throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    @Test
    void hs256TokensSignedWithTheSecretAreAdmittedAndOthersRefused() throws Exception {
        Instant later = Instant.now().plusSeconds(300);
        String issuer = "https://login.example.com/";

        assertThat(carriers(hs256(claims("svc-a", later, issuer), SECRET)).statusCode())
                .isEqualTo(200);
        assertThat(carriers(hs256(claims("svc-a", later, issuer), SECRET.replace('0', '1')))
                        .statusCode())
                .isEqualTo(401);
        assertThat(carriers(hs256(claims("svc-a", Instant.now().minusSeconds(300), issuer), SECRET))
                        .statusCode())
                .isEqualTo(401);
        HttpResponse<String> wrongIssuer = carriers(hs256(claims("svc-a", later, "https://evil.example.com/"), SECRET));
        assertThat(wrongIssuer.statusCode()).isEqualTo(401);
        assertThat(wrongIssuer.body()).contains("\"code\":\"unauthorized\"");
    }

    @Test
    void rs256TokensAreCheckedAgainstTheJwks() throws Exception {
        Instant later = Instant.now().plusSeconds(300);
        String issuer = "https://login.example.com/";

        assertThat(carriers(rs256(claims("svc-b", later, issuer), signingKey)).statusCode())
                .isEqualTo(200);
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("k1").generate();
        assertThat(carriers(rs256(claims("svc-b", later, issuer), stranger)).statusCode())
                .isEqualTo(401);
    }

    @Test
    void eachClientHasItsOwnBucketAndAnEmptyOneAnswers429WithRetryAfter() {
        for (int i = 0; i < 3; i++) {
            assertThat(carriers(RunningGateway.API_KEY).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> limited = carriers(RunningGateway.API_KEY);

        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).contains("1");
        assertThat(limited.body()).contains("\"code\":\"rate_limited\"");
        assertThat(carriers("another-key-0123456789").statusCode()).isEqualTo(200);
    }

    @Test
    void aKeyWithItsOwnRateLimitHasThatBudgetAndTheOthersKeepTheirs() {
        assertThat(carriers(SLOW_KEY).statusCode()).isEqualTo(200);
        assertThat(carriers(SLOW_KEY).statusCode()).isEqualTo(429);
        for (int i = 0; i < 3; i++) {
            assertThat(carriers(RunningGateway.API_KEY).statusCode()).isEqualTo(200);
        }
    }
}
