package io.omniservice.aws.dynamo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.omniservice.core.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.http4k.connect.amazon.dynamodb.FakeDynamoDb;
import org.http4k.core.Request;
import org.http4k.core.Response;

/**
 * The http4k fake deletes an item whatever the delete's {@code ConditionExpression} says, in {@code DeleteItem}
 * and in {@code TransactWriteItems} alike; DynamoDB deletes only when it holds. Lanes end their items and heads
 * with conditional deletes, so against the bare fake a delete planned from a head read before another node's
 * append went through and left that append's item with no head and never due. Here each conditional delete is
 * sent to the fake as what it honours: an update with the same condition that changes nothing, then the
 * unconditional delete (in a transaction, both in it: the fake takes two actions on one item, and a failed
 * condition cancels the whole transaction as DynamoDB would; for {@code DeleteItem}, the update's refusal is
 * answered as the delete's). Called one request at a time, so the two steps are one to every other client.
 */
final class ConditionalDeletes {
    private static final String TARGET = "X-Amz-Target";
    private static final String NO_SUCH = "#omniFakeNoSuchAttribute";

    private ConditionalDeletes() {}

    static Response invoke(FakeDynamoDb fake, Request request, String body) {
        String target = request.header(TARGET);
        if (target == null || body == null || body.isEmpty()) {
            return fake.invoke(request);
        }
        if (target.endsWith(".TransactWriteItems")) {
            JsonNode tree = read(body);
            ArrayNode items = (ArrayNode) tree.path("TransactItems");
            if (items.isMissingNode()
                    || items.findValues("Delete").stream().noneMatch(delete -> delete.has("ConditionExpression"))) {
                return fake.invoke(request);
            }
            ArrayNode rewritten = Json.MAPPER.createArrayNode();
            for (JsonNode item : items) {
                JsonNode delete = item.get("Delete");
                if (delete != null && delete.has("ConditionExpression")) {
                    rewritten.addObject().set("Update", checkOf(delete));
                    ObjectNode plain = rewritten.addObject().putObject("Delete");
                    plain.set("TableName", delete.get("TableName"));
                    plain.set("Key", delete.get("Key"));
                } else {
                    rewritten.add(item);
                }
            }
            ((ObjectNode) tree).set("TransactItems", rewritten);
            return fake.invoke(request.body(tree.toString()));
        }
        if (target.endsWith(".DeleteItem")) {
            JsonNode delete = read(body);
            if (!delete.has("ConditionExpression")) {
                return fake.invoke(request);
            }
            Response checked = fake.invoke(request.replaceHeader(TARGET, target.replace(".DeleteItem", ".UpdateItem"))
                    .body(checkOf(delete).toString()));
            if (checked.getStatus().getCode() != 200) {
                return checked;
            }
            ObjectNode plain = ((ObjectNode) delete).deepCopy();
            plain.remove(
                    java.util.List.of("ConditionExpression", "ExpressionAttributeNames", "ExpressionAttributeValues"));
            return fake.invoke(request.body(plain.toString()));
        }
        return fake.invoke(request);
    }

    /** An update of the delete's item that changes nothing, on the delete's condition. */
    private static ObjectNode checkOf(JsonNode delete) {
        ObjectNode update = Json.MAPPER.createObjectNode();
        update.set("TableName", delete.get("TableName"));
        update.set("Key", delete.get("Key"));
        update.put("UpdateExpression", "REMOVE " + NO_SUCH);
        update.set("ConditionExpression", delete.get("ConditionExpression"));
        ObjectNode names = delete.has("ExpressionAttributeNames")
                ? ((ObjectNode) delete.get("ExpressionAttributeNames")).deepCopy()
                : Json.MAPPER.createObjectNode();
        names.put(NO_SUCH, "omniFakeNoSuchAttribute");
        update.set("ExpressionAttributeNames", names);
        if (delete.has("ExpressionAttributeValues")) {
            update.set("ExpressionAttributeValues", delete.get("ExpressionAttributeValues"));
        }
        return update;
    }

    private static JsonNode read(String body) {
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
