package io.omniservice.acceptance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.dialect.Dialects;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The gateway's OpenAPI 3.1 document ({@code openapi/openapi.yaml} in the server module) as a checker of real
 * exchanges: the path and method must be described, the answer's status and content type documented, a JSON
 * answer valid against its schema; an accepted (2xx) request must also carry the required parameters and a
 * JSON body valid against the request schema. Schemas are checked with networknt's JSON Schema validator in
 * the document's own dialect (OpenAPI 3.1 = JSON Schema 2020-12); Atlassian's swagger-request-validator
 * reads OpenAPI 3.0 schemas only and is not served by our registry.
 */
final class OpenApiContract {
    /** The document's name for $ref resolution; nothing is fetched from it. */
    private static final String BASE = "https://omniservice.invalid/openapi.json";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern TEMPLATE = Pattern.compile("\\{[^}/]+}");

    private static volatile OpenApiContract shipped;

    private final JsonNode document;
    private final SchemaRegistry registry;
    private final List<PathTemplate> paths;
    private final Map<String, Schema> compiled = new ConcurrentHashMap<>();

    /** One exchange as the client saw it; {@code responseBody} is null for a stream not read here. */
    record Exchange(
            String method,
            URI uri,
            Map<String, List<String>> requestHeaders,
            byte[] requestBody,
            int status,
            Map<String, List<String>> responseHeaders,
            String responseBody) {}

    private record PathTemplate(String template, Pattern pattern, int parameters) {}

    OpenApiContract(String documentYaml) {
        try {
            this.document = new YAMLMapper().readTree(documentYaml);
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document is not YAML", e);
        }
        String text;
        try {
            text = JSON.writeValueAsString(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.registry = SchemaRegistry.withDefaultDialect(
                Dialects.getOpenApi31(), builder -> builder.schemas(Map.of(BASE, text)));
        List<PathTemplate> templates = new ArrayList<>();
        for (Iterator<String> names = document.path("paths").fieldNames(); names.hasNext(); ) {
            String template = names.next();
            StringBuilder regex = new StringBuilder("^");
            var matcher = TEMPLATE.matcher(template);
            int last = 0;
            int count = 0;
            while (matcher.find()) {
                regex.append(Pattern.quote(template.substring(last, matcher.start())))
                        .append("[^/]+");
                last = matcher.end();
                count++;
            }
            regex.append(Pattern.quote(template.substring(last))).append('$');
            templates.add(new PathTemplate(template, Pattern.compile(regex.toString()), count));
        }
        // a literal path wins over a template that also matches it
        templates.sort(Comparator.comparingInt(PathTemplate::parameters));
        this.paths = List.copyOf(templates);
    }

    /** The document the server module ships, read from its jar on the test classpath. */
    static OpenApiContract shipped() {
        if (shipped == null) {
            try (InputStream in = OpenApiContract.class.getClassLoader().getResourceAsStream("openapi/openapi.yaml")) {
                if (in == null) {
                    throw new IllegalStateException("openapi/openapi.yaml is not on the classpath (server module)");
                }
                shipped = new OpenApiContract(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shipped;
    }

    /** What in this exchange the document does not allow; empty when it keeps to it. */
    List<String> violations(Exchange exchange) {
        List<String> found = new ArrayList<>();
        String method = exchange.method().toLowerCase(Locale.ROOT);
        String path = exchange.uri().getRawPath();
        String subject = exchange.method() + " " + path + " -> " + exchange.status();
        Optional<PathTemplate> template =
                paths.stream().filter(t -> t.pattern().matcher(path).matches()).findFirst();
        if (template.isEmpty()) {
            if (exchange.status() != 404) {
                found.add(subject + ": the document has no path for " + path);
            }
            return found;
        }
        String pathPointer = "/paths/" + escape(template.get().template());
        JsonNode pathItem = document.at(pathPointer);
        JsonNode operation = pathItem.get(method);
        if (operation == null) {
            if (exchange.status() != 405 && exchange.status() != 404) {
                found.add(subject + ": the document has no " + exchange.method() + " for "
                        + template.get().template());
            }
            return found;
        }
        String operationPointer = pathPointer + "/" + method;
        checkResponse(exchange, operation, operationPointer, subject, found);
        if (exchange.status() >= 200 && exchange.status() < 300) {
            checkRequest(exchange, pathItem, pathPointer, operation, operationPointer, subject, found);
        }
        return found;
    }

    private void checkResponse(
            Exchange exchange, JsonNode operation, String operationPointer, String subject, List<String> found) {
        String status = Integer.toString(exchange.status());
        JsonNode responses = operation.path("responses");
        String key = responses.has(status)
                ? status
                : responses.has(status.charAt(0) + "XX") ? status.charAt(0) + "XX" : "default";
        if (!responses.has(key)) {
            found.add(subject + ": status " + status + " is not documented for this operation");
            return;
        }
        Located response = resolve(responses.get(key), operationPointer + "/responses/" + key);
        String body = exchange.responseBody();
        boolean hasBody = body != null && !body.isEmpty();
        JsonNode content = response.node().get("content");
        if (content == null || content.isEmpty()) {
            if (hasBody) {
                found.add(subject + ": the document says this answer has no body, but it has one");
            }
            return;
        }
        if (!hasBody && !"text/event-stream".equals(mediaType(exchange.responseHeaders()))) {
            return; // an empty body (a webhook's 200, a HEAD) is not checked against a schema
        }
        String type = mediaType(exchange.responseHeaders());
        Optional<String> documented = documentedType(content, type);
        if (documented.isEmpty()) {
            found.add(subject + ": content type " + type + " is not documented (documented: " + names(content) + ")");
            return;
        }
        if (isJson(documented.get()) && hasBody) {
            String pointer = response.pointer() + "/content/" + escape(documented.get()) + "/schema";
            validate(pointer, content.path(documented.get()).path("schema"), body, subject + " answer", found);
        }
    }

    private void checkRequest(
            Exchange exchange,
            JsonNode pathItem,
            String pathPointer,
            JsonNode operation,
            String operationPointer,
            String subject,
            List<String> found) {
        Map<String, List<String>> query = query(exchange.uri().getRawQuery());
        List<Located> parameters = new ArrayList<>();
        addAll(parameters, pathItem.path("parameters"), pathPointer + "/parameters");
        addAll(parameters, operation.path("parameters"), operationPointer + "/parameters");
        for (Located located : parameters) {
            JsonNode parameter = located.node();
            String name = parameter.path("name").asText();
            String in = parameter.path("in").asText();
            List<String> values =
                    switch (in) {
                        case "query" -> query.getOrDefault(name, List.of());
                        case "header" -> header(exchange.requestHeaders(), name);
                        default -> List.of();
                    };
            if (values.isEmpty()) {
                if (parameter.path("required").asBoolean(false) && !"path".equals(in)) {
                    found.add(subject + ": the required " + in + " parameter " + name + " is missing");
                }
                continue;
            }
            JsonNode schema = parameter.path("schema");
            String raw = values.getFirst();
            String instance = asJson(raw, schema);
            validate(located.pointer() + "/schema", schema, instance, subject + " " + in + " parameter " + name, found);
        }
        JsonNode requestBody = operation.get("requestBody");
        if (requestBody == null) {
            return;
        }
        Located body = resolve(requestBody, operationPointer + "/requestBody");
        byte[] bytes = exchange.requestBody();
        if (bytes == null || bytes.length == 0) {
            if (body.node().path("required").asBoolean(false)) {
                found.add(subject + ": the request body is required");
            }
            return;
        }
        String type = mediaType(exchange.requestHeaders());
        JsonNode content = body.node().path("content");
        Optional<String> documented = documentedType(content, type);
        if (documented.isEmpty()) {
            found.add(subject + ": request content type " + type + " is not documented (documented: " + names(content)
                    + ")");
            return;
        }
        if (isJson(documented.get())) {
            validate(
                    body.pointer() + "/content/" + escape(documented.get()) + "/schema",
                    content.path(documented.get()).path("schema"),
                    new String(bytes, StandardCharsets.UTF_8),
                    subject + " request body",
                    found);
        }
    }

    private void validate(String pointer, JsonNode schemaNode, String instance, String what, List<String> found) {
        Schema schema = compiled.computeIfAbsent(pointer, p -> {
            try {
                return registry.getSchema(JSON.writeValueAsString(absolute(schemaNode)), InputFormat.JSON);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        List<Error> errors;
        try {
            errors = schema.validate(instance, InputFormat.JSON);
        } catch (RuntimeException notJson) {
            found.add(what + " is not JSON: " + notJson.getMessage());
            return;
        }
        for (Error error : errors) {
            found.add(what + ": " + error.getInstanceLocation() + " " + error.getMessage());
        }
    }

    /** A copy of an inline schema whose local references name the document, so it compiles on its own. */
    private static JsonNode absolute(JsonNode node) {
        JsonNode copy = node.deepCopy();
        rewrite(copy);
        return copy;
    }

    private static void rewrite(JsonNode node) {
        if (node instanceof ObjectNode object) {
            JsonNode ref = object.get("$ref");
            if (ref != null && ref.isTextual() && ref.asText().startsWith("#")) {
                object.put("$ref", BASE + ref.asText());
            }
        }
        node.forEach(OpenApiContract::rewrite);
    }

    private record Located(JsonNode node, String pointer) {}

    /** Follows a local {@code $ref} (to components) until the object itself. */
    private Located resolve(JsonNode node, String pointer) {
        Located located = new Located(node, pointer);
        for (int hops = 0; located.node().has("$ref") && hops < 5; hops++) {
            String ref = located.node().get("$ref").asText();
            if (!ref.startsWith("#")) {
                break;
            }
            String target = ref.substring(1);
            located = new Located(document.at(target), target);
        }
        return located;
    }

    private void addAll(List<Located> into, JsonNode parameters, String pointer) {
        for (int i = 0; i < parameters.size(); i++) {
            into.add(resolve(parameters.get(i), pointer + "/" + i));
        }
    }

    /** A parameter's text as the JSON value its schema describes (numbers and booleans are not strings). */
    private static String asJson(String raw, JsonNode schema) {
        String type = schema.path("type").asText("string");
        try {
            if (("integer".equals(type) && raw.matches("-?[0-9]+"))
                    || ("number".equals(type) && raw.matches("-?[0-9]+(\\.[0-9]+)?"))
                    || ("boolean".equals(type) && (raw.equals("true") || raw.equals("false")))) {
                return raw;
            }
            return JSON.writeValueAsString(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Optional<String> documentedType(JsonNode content, String type) {
        if (type == null) {
            return Optional.empty();
        }
        if (content.has(type)) {
            return Optional.of(type);
        }
        String range = type.substring(0, type.indexOf('/') + 1) + "*";
        if (content.has(range)) {
            return Optional.of(range);
        }
        return content.has("*/*") ? Optional.of("*/*") : Optional.empty();
    }

    private static boolean isJson(String mediaType) {
        return mediaType.equals("application/json") || mediaType.endsWith("+json");
    }

    private static String mediaType(Map<String, List<String>> headers) {
        List<String> values = header(headers, "Content-Type");
        if (values.isEmpty()) {
            return null;
        }
        String value = values.getFirst();
        int semicolon = value.indexOf(';');
        return (semicolon < 0 ? value : value.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
    }

    private static List<String> header(Map<String, List<String>> headers, String name) {
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (header.getKey().equalsIgnoreCase(name)) {
                return header.getValue();
            }
        }
        return List.of();
    }

    private static Map<String, List<String>> query(String raw) {
        Map<String, List<String>> values = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            values.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
        }
        return values;
    }

    private static String names(JsonNode content) {
        List<String> names = new ArrayList<>();
        content.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }

    /** A JSON Pointer reference token (RFC 6901). */
    private static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
