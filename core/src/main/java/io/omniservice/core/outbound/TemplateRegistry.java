package io.omniservice.core.outbound;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The message templates of the configuration ({@code templates.<id>.text}), rendered to plain text for
 * carriers without templates of their own (SMS). Placeholders are {@code {{name}}}, filled from the
 * request's {@code templateParams}; a WhatsApp template is Meta's and is sent by name instead.
 */
public final class TemplateRegistry {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*([A-Za-z0-9_.-]+)\\s*}}");

    private final Map<String, String> texts;

    public TemplateRegistry(Map<String, String> texts) {
        this.texts = Map.copyOf(texts);
    }

    public boolean has(String templateId) {
        return texts.containsKey(templateId);
    }

    /** The parameters a template names that {@code params} lacks; empty when it renders. */
    public List<String> missingParams(String templateId, Map<String, String> params) {
        List<String> missing = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(texts.getOrDefault(templateId, ""));
        while (m.find()) {
            if (!params.containsKey(m.group(1)) && !missing.contains(m.group(1))) {
                missing.add(m.group(1));
            }
        }
        return missing;
    }

    /** The template's text with its parameters filled in; empty when there is no such template. */
    public Optional<String> render(String templateId, Map<String, String> params) {
        String text = texts.get(templateId);
        if (text == null) {
            return Optional.empty();
        }
        Matcher m = PLACEHOLDER.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(params.getOrDefault(m.group(1), "")));
        }
        m.appendTail(out);
        return Optional.of(out.toString());
    }
}
