package io.omniservice.media;

import io.omniservice.core.media.BlobStore;
import io.omniservice.core.model.CarrierCapabilities;
import io.omniservice.core.outbound.SendFailure;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The converted copies already made, so a file is converted once per kind of carrier and not once per send:
 * a campaign sending one video to a thousand customers, or a send retried after a carrier's 5xx, would
 * otherwise run ffmpeg every time. Sends that need the same conversion at once wait for the first one to
 * make it instead of converting in parallel. Converted copies are stored under their own hash like any
 * file; this remembers, per node and for the most recent {@code capacity} targets, which stored copy
 * answers which target. A copy that has gone from the store since is made again.
 */
final class Variants {
    /** A stored file and the limits it is converted for: two carriers with equal limits share the copy. */
    record Target(String sourceKey, List<String> acceptedTypes, long maxMediaSize, Map<String, Long> limits) {
        static Target of(String sourceKey, CarrierCapabilities carrier) {
            return new Target(
                    sourceKey, carrier.supportedMediaTypes(), carrier.maxMediaSize(), carrier.mediaSizeLimits());
        }
    }

    /** A converted copy as stored. */
    record Variant(String key, String contentType, long size) {}

    /** Makes and stores the copy for a target that has none yet. */
    interface Maker {
        Variant make() throws IOException, SendFailure;
    }

    private final BlobStore blobs;
    private final Map<Target, Variant> made;
    private final ConcurrentHashMap<Target, ReentrantLock> making = new ConcurrentHashMap<>();

    Variants(BlobStore blobs, int capacity) {
        this.blobs = blobs;
        this.made = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Target, Variant> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The stored copy for {@code target}: one made earlier and still stored, else one {@code maker} makes now. */
    Variant get(Target target, Maker maker) throws IOException, SendFailure {
        Optional<Variant> known = stored(target);
        if (known.isPresent()) {
            return known.get();
        }
        ReentrantLock lock = making.computeIfAbsent(target, t -> new ReentrantLock());
        lock.lock();
        try {
            // another send may have made it while this one waited
            known = stored(target);
            if (known.isPresent()) {
                return known.get();
            }
            Variant variant = maker.make();
            synchronized (made) {
                made.put(target, variant);
            }
            return variant;
        } finally {
            lock.unlock();
            making.remove(target, lock);
        }
    }

    private Optional<Variant> stored(Target target) throws IOException {
        Variant variant;
        synchronized (made) {
            variant = made.get(target);
        }
        if (variant == null) {
            return Optional.empty();
        }
        if (blobs.stat(variant.key()).isPresent()) {
            return Optional.of(variant);
        }
        synchronized (made) {
            made.remove(target, variant);
        }
        return Optional.empty();
    }
}
