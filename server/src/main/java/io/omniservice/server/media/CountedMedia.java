package io.omniservice.server.media;

import io.omniservice.core.carrier.MediaAccess;
import io.omniservice.core.media.MediaPipeline;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.model.MediaItem;
import io.omniservice.core.outbound.SendFailure;
import io.omniservice.server.metrics.GatewayMetrics;
import java.io.IOException;
import java.util.Optional;

/**
 * The media pipeline with its outcomes counted in {@code /metrics} ({@code omniservice_media_total}), so
 * an operator sees refusals, quarantines and failing downloads without reading logs.
 */
public final class CountedMedia implements MediaPipeline {
    private final MediaPipeline media;
    private final GatewayMetrics metrics;

    public CountedMedia(MediaPipeline media, GatewayMetrics metrics) {
        this.media = media;
        this.metrics = metrics;
    }

    @Override
    public MediaItem storeInbound(MediaItem item, MediaAccess access) throws IOException {
        try {
            MediaItem result = media.storeInbound(item, access);
            metrics.media("inbound", result.status() == null ? "unknown" : result.status());
            return result;
        } catch (IOException e) {
            metrics.media("inbound", "failed");
            throw e;
        }
    }

    @Override
    public MediaItem ingest(MediaItem requested) throws MediaRefusal {
        try {
            MediaItem stored = media.ingest(requested);
            metrics.media("outbound", MediaItem.STORED);
            return stored;
        } catch (MediaRefusal refusal) {
            metrics.media(
                    "outbound",
                    refusal.code().equals("media_" + MediaItem.QUARANTINED)
                            ? MediaItem.QUARANTINED
                            : MediaItem.REFUSED);
            throw refusal;
        }
    }

    @Override
    public Optional<String> unfit(MediaItem stored, CarrierCapabilities carrier) {
        return media.unfit(stored, carrier);
    }

    @Override
    public MediaItem prepare(MediaItem stored, CarrierCapabilities carrier, MediaAccess access) throws SendFailure {
        return media.prepare(stored, carrier, access);
    }

    @Override
    public MediaItem view(MediaItem stored) {
        return media.view(stored);
    }
}
