package io.omniservice.server.http;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import io.omniservice.core.access.Scope;
import io.omniservice.server.config.GatewayConfig;
import java.net.MalformedURLException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Checks bearer JWTs: HS256 signed with the configured secret, RS256 signed with a key of the configured
 * JWKS (fetched and cached by Nimbus, refreshed when an unknown key id appears). {@code exp} and
 * {@code sub} are required; {@code iss} and {@code aud} are checked when configured.
 */
final class JwtVerifier {
    private final DefaultJWTProcessor<SecurityContext> hs256;
    private final DefaultJWTProcessor<SecurityContext> rs256;

    JwtVerifier(GatewayConfig.Jwt config) {
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(
                config.audience(),
                config.issuer() == null
                        ? null
                        : new JWTClaimsSet.Builder().issuer(config.issuer()).build(),
                Set.of("sub", "exp"));
        hs256 = config.hs256Secret() == null
                ? null
                : processor(
                        new ImmutableSecret<>(config.hs256Secret().getBytes(StandardCharsets.UTF_8)),
                        JWSAlgorithm.HS256,
                        claims);
        try {
            rs256 = config.jwksUrl() == null
                    ? null
                    : processor(
                            JWKSourceBuilder.create(
                                            config.jwksUrl().toURL(),
                                            // Nimbus waits 500 ms by default: a slow key server would turn
                                            // valid tokens away; 2 s each, and at most 1 MiB of keys
                                            new com.nimbusds.jose.util.DefaultResourceRetriever(2_000, 2_000, 1 << 20))
                                    .build(),
                            JWSAlgorithm.RS256,
                            claims);
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException("api.jwt.jwksUrl is not a URL", e);
        }
    }

    private static DefaultJWTProcessor<SecurityContext> processor(
            JWKSource<SecurityContext> keys, JWSAlgorithm algorithm, DefaultJWTClaimsVerifier<SecurityContext> claims) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(new HashSet<>(Set.of(algorithm)), keys));
        processor.setJWTClaimsSetVerifier(claims);
        return processor;
    }

    /**
     * A valid token's subject and scopes: its {@code scope} claim (space-separated, as OAuth 2 writes it) or
     * {@code scp} (a list or a string), the known ones kept; everything but admin when it names none.
     */
    record Claims(String subject, Set<Scope> scopes) {}

    private static Set<Scope> scopes(JWTClaimsSet claims) {
        List<String> named = new ArrayList<>();
        Object scope = claims.getClaim("scope");
        Object scp = claims.getClaim("scp");
        for (Object value : new Object[] {scope, scp}) {
            if (value instanceof String text) {
                named.addAll(List.of(text.trim().split("\\s+")));
            } else if (value instanceof List<?> list) {
                list.forEach(item -> named.add(String.valueOf(item)));
            }
        }
        if (scope == null && scp == null) {
            return Scope.standard();
        }
        Set<Scope> scopes = EnumSet.noneOf(Scope.class);
        named.forEach(name -> Scope.fromWireName(name).ifPresent(scopes::add));
        return scopes;
    }

    /** The token's claims when it is valid; empty otherwise (bad signature, expired, wrong issuer...). */
    Optional<Claims> verify(String token) {
        for (DefaultJWTProcessor<SecurityContext> processor : new DefaultJWTProcessor[] {hs256, rs256}) {
            if (processor == null) {
                continue;
            }
            try {
                JWTClaimsSet claims = processor.process(token, null);
                return Optional.of(new Claims(claims.getSubject(), scopes(claims)));
            } catch (BadJOSEException | com.nimbusds.jose.JOSEException | java.text.ParseException e) {
                // try the other algorithm, then refuse
            }
        }
        return Optional.empty();
    }
}
