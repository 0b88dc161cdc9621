package io.omniservice.media;

import io.omniservice.core.outbound.SendFailure;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the pipeline made once and need not make again: a converted copy of a stored file, a carrier's upload
 * of one. A campaign sending one video to a thousand customers, or a send retried after a carrier's 5xx, would
 * otherwise convert or upload it every time. Callers asking for the same key at once wait for the one making
 * it. Per node, for the {@code capacity} keys used most recently; a remembered value that is no longer good
 * (its copy gone from the store, its upload too old) is made again.
 */
final class MadeOnce<K, V> {
    /** Makes the value for a key that has none yet. */
    interface Maker<V> {
        V make() throws IOException, SendFailure;
    }

    /** Whether a remembered value may still be used. */
    interface StillGood<V> {
        boolean test(V value) throws IOException;
    }

    private final Map<K, V> made;
    private final ConcurrentHashMap<K, ReentrantLock> making = new ConcurrentHashMap<>();
    private final StillGood<V> stillGood;

    MadeOnce(int capacity, StillGood<V> stillGood) {
        this.stillGood = stillGood;
        this.made = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The value for {@code key}: one made earlier and still good, else the one {@code maker} makes now. */
    V get(K key, Maker<V> maker) throws IOException, SendFailure {
        Optional<V> known = remembered(key);
        if (known.isPresent()) {
            return known.get();
        }
        ReentrantLock lock = making.computeIfAbsent(key, k -> new ReentrantLock());
        lock.lock();
        try {
            // another caller may have made it while this one waited
            known = remembered(key);
            if (known.isPresent()) {
                return known.get();
            }
            V value = maker.make();
            synchronized (made) {
                made.put(key, value);
            }
            return value;
        } finally {
            lock.unlock();
            making.remove(key, lock);
        }
    }

    private Optional<V> remembered(K key) throws IOException {
        V value;
        synchronized (made) {
            value = made.get(key);
        }
        if (value == null) {
            return Optional.empty();
        }
        if (stillGood.test(value)) {
            return Optional.of(value);
        }
        synchronized (made) {
            made.remove(key, value);
        }
        return Optional.empty();
    }
}
