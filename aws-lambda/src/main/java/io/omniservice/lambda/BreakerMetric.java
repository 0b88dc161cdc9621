package io.omniservice.lambda;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.time.Clock;

/**
 * The CloudWatch metric {@code Omniservice/CarrierBreakerOpen} (dimension {@code carrier}) that the deployment's
 * "breaker open" alarms watch, written as Embedded Metric Format log lines: Lambda's log stream turns each line
 * into a data point, with no CloudWatch call in the send path. A line goes out when a breaker opens, and after
 * each batch for every breaker still open, so the alarm stays raised while the carrier is shut off.
 */
public final class BreakerMetric {
    /** Must match the CDK app's {@code OmniserviceStack.METRIC_NAMESPACE}, {@code BREAKER_METRIC}, {@code BREAKER_DIMENSION}. */
    public static final String NAMESPACE = "Omniservice";

    public static final String NAME = "CarrierBreakerOpen";
    public static final String DIMENSION = "carrier";

    private final PrintStream out;
    private final Clock clock;

    public BreakerMetric(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    /** One data point of 1 for the route's carrier; {@code route} is {@code carrier/account}. */
    public void open(String route) {
        int slash = route.indexOf('/');
        String carrier = slash < 0 ? route : route.substring(0, slash);
        String account = slash < 0 ? "default" : route.substring(slash + 1);
        JsonNodeFactory json = JsonNodeFactory.instance;
        ObjectNode line = json.objectNode();
        ObjectNode directive = line.putObject("_aws");
        directive.put("Timestamp", clock.millis());
        ObjectNode metrics = directive.putArray("CloudWatchMetrics").addObject();
        metrics.put("Namespace", NAMESPACE);
        metrics.putArray("Dimensions").addArray().add(DIMENSION);
        metrics.putArray("Metrics").addObject().put("Name", NAME).put("Unit", "Count");
        line.put(DIMENSION, carrier);
        // a property, not a dimension: the alarm is per carrier, the log line still says which account
        line.put("account", account);
        line.put(NAME, 1);
        synchronized (out) {
            out.println(line);
        }
    }
}
