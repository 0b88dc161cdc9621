package io.omniservice.core.rules;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * Opening hours in a zone: {@code [from, to)} local time on each of {@code days}. When {@code to} is not after
 * {@code from} the window crosses midnight and belongs to the day it opens on; {@code from == to} is the whole
 * day. {@code outside} turns it into "closed hours". A null or empty {@code days} means every day.
 */
public record TimeWindow(ZoneId zone, Set<DayOfWeek> days, LocalTime from, LocalTime to, boolean outside) {
    public TimeWindow {
        Objects.requireNonNull(zone, "zone");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        // Insertion order is kept so a rule reads back with its days as they were written.
        days = days == null || days.isEmpty()
                ? Collections.unmodifiableSet(EnumSet.allOf(DayOfWeek.class))
                : Collections.unmodifiableSet(new LinkedHashSet<>(days));
    }

    public boolean contains(Instant at) {
        var local = at.atZone(zone);
        return isOpen(local.getDayOfWeek(), local.toLocalTime()) != outside;
    }

    private boolean isOpen(DayOfWeek day, LocalTime time) {
        if (from.equals(to)) {
            return days.contains(day);
        }
        if (from.isBefore(to)) {
            return days.contains(day) && !time.isBefore(from) && time.isBefore(to);
        }
        // Crosses midnight: the part after midnight belongs to the day before.
        return (days.contains(day) && !time.isBefore(from)) || (days.contains(day.minus(1)) && time.isBefore(to));
    }
}
