package io.omniservice.aws.secrets;

import java.util.regex.Pattern;

/**
 * A configuration value that stands for a secret in AWS Secrets Manager: {@code secretsmanager:<secret-id>}
 * for the whole secret string, {@code secretsmanager:<secret-id>#<json-key>} for one key of a secret whose
 * string is a JSON object. The id is the secret's name or ARN; neither can hold a {@code #}.
 */
public record SecretsManagerReference(String secretId, String jsonKey) {
    public static final String PREFIX = "secretsmanager:";

    /** What Secrets Manager allows in a name, plus the colons of an ARN. */
    private static final Pattern SECRET_ID = Pattern.compile("[A-Za-z0-9/_+=.@:-]{1,2048}");

    public static boolean isReference(String value) {
        return value != null && value.startsWith(PREFIX);
    }

    /**
     * Reads {@code value}.
     *
     * @throws IllegalArgumentException naming what is wrong when it is not written as a reference
     */
    public static SecretsManagerReference parse(String value) {
        if (!isReference(value)) {
            throw new IllegalArgumentException("a Secrets Manager reference starts with " + PREFIX);
        }
        String rest = value.substring(PREFIX.length());
        int hash = rest.indexOf('#');
        String id = hash < 0 ? rest : rest.substring(0, hash);
        String key = hash < 0 ? null : rest.substring(hash + 1);
        if (!SECRET_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("'" + value + "' does not name a secret: write " + PREFIX
                    + "<secret name or ARN>#<json key> (a name has letters, digits and /_+=.@- only)");
        }
        if (key != null && key.isEmpty()) {
            throw new IllegalArgumentException(
                    "'" + value + "' has an empty key after '#': name the key, or leave out '#' for the whole secret");
        }
        return new SecretsManagerReference(id, key);
    }

    /** How errors name it: the secret, and the key when there is one. */
    public String describe() {
        return jsonKey == null ? "secret '" + secretId + "'" : "key '" + jsonKey + "' of secret '" + secretId + "'";
    }
}
