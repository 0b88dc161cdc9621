package io.omniservice.core.notify;

/**
 * Where events go besides the subscriptions and the SSE stream: the push-notification port, which the
 * AWS mode fills with SNS. Called at least once per event (again when its step is retried); receivers
 * deduplicate by the envelope's id.
 */
public interface EventPublisher {
    void publish(EventEnvelope event) throws Exception;
}
