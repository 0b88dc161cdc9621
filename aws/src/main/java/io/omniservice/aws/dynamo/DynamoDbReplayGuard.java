package io.omniservice.aws.dynamo;

import static io.omniservice.aws.dynamo.Items.n;
import static io.omniservice.aws.dynamo.Items.s;

import io.omniservice.aws.dynamo.Tables.Keys;
import io.omniservice.core.carrier.ReplayGuard;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * One-time tokens every node has seen, as items of the keys table ({@code replay#<scope>#<sha-256>}): a token is
 * new if a conditional put finds no item, or only one whose time has passed. TTL deletes expired items, up to
 * days late, which is why the condition checks the time itself.
 */
final class DynamoDbReplayGuard implements ReplayGuard {
    private final DynamoDbClient client;
    private final Tables tables;
    private final Clock clock;

    DynamoDbReplayGuard(DynamoDbClient client, Tables tables, Clock clock) {
        this.client = client;
        this.tables = tables;
        this.clock = clock;
    }

    @Override
    public boolean firstUse(String scope, String id, Instant expiresAt) {
        // TTL holds whole seconds: an expiry rounded up keeps a token refused a little longer, never shorter
        long expires = expiresAt.getEpochSecond() + (expiresAt.getNano() > 0 ? 1 : 0);
        long now = clock.instant().getEpochSecond();
        try {
            client.putItem(r -> r.tableName(tables.name(Tables.KEYS))
                    .item(Map.of(
                            Keys.KEY, s(Keys.replay(scope, sha256(id))),
                            Keys.EXPIRES_AT, n(expires)))
                    .conditionExpression("attribute_not_exists(#key) OR #expires <= :now")
                    .expressionAttributeNames(Map.of("#key", Keys.KEY, "#expires", Keys.EXPIRES_AT))
                    .expressionAttributeValues(Map.of(":now", n(now))));
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        } catch (SdkException e) {
            throw Transactions.failure("the replay guard could not be consulted", e);
        }
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
