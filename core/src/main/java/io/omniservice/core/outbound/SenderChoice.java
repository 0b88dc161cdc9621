package io.omniservice.core.outbound;

import io.omniservice.core.model.CarrierType;
import io.omniservice.core.model.PhoneNumber;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Which number of a carrier account's pool a message goes from when the request names none: the number the
 * recipient last talked with on this account, if it is still in the pool (sticky); else, among the pool's
 * numbers of the recipient's area code (NANP, {@code +1}) or else of their country calling code, or else among
 * all, the least busy one, the earlier in the pool on a tie.
 */
public final class SenderChoice {
    private SenderChoice() {}

    /** Why a number was chosen. */
    public enum Reason {
        STICKY("sticky"),
        AREA_CODE("area_code"),
        COUNTRY("country"),
        LEAST_BUSY("least_busy");

        private final String wireName;

        Reason(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }
    }

    public record Choice(String number, Reason reason) {}

    /**
     * @param pool the account's numbers, its default first (not empty)
     * @param to the recipient
     * @param used our side of the conversation's latest messages, newest first ({@link OutboundStore#numbersUsed})
     * @param load how busy each number is now ({@link SenderPacing#load})
     */
    public static Choice choose(
            CarrierType carrier,
            String account,
            List<String> pool,
            String to,
            List<NumberUse> used,
            ToIntFunction<String> load) {
        for (NumberUse use : used) {
            if (use.carrier() == carrier && use.account().equals(account)) {
                // the number they last talked with on this account; one taken out of the pool no longer holds
                if (pool.contains(use.number())) {
                    return new Choice(use.number(), Reason.STICKY);
                }
                break;
            }
        }
        String callingCode = PhoneNumber.callingCode(to);
        if ("1".equals(callingCode)) {
            List<String> local = sharing(pool, to.substring(0, 5));
            if (!local.isEmpty()) {
                return new Choice(leastBusy(local, load), Reason.AREA_CODE);
            }
        }
        if (callingCode != null) {
            List<String> national = new ArrayList<>();
            for (String number : pool) {
                if (callingCode.equals(PhoneNumber.callingCode(number))) {
                    national.add(number);
                }
            }
            if (!national.isEmpty() && national.size() < pool.size()) {
                return new Choice(leastBusy(national, load), Reason.COUNTRY);
            }
        }
        return new Choice(leastBusy(pool, load), Reason.LEAST_BUSY);
    }

    /** The pool's numbers that start with {@code prefix} ({@code +1212}: the 212 area code). */
    private static List<String> sharing(List<String> pool, String prefix) {
        List<String> found = new ArrayList<>();
        for (String number : pool) {
            if (number.length() == 12 && number.startsWith(prefix)) {
                found.add(number);
            }
        }
        return found;
    }

    /** The number with the fewest sends under way; the earliest in the pool among equals. */
    private static String leastBusy(List<String> numbers, ToIntFunction<String> load) {
        String best = numbers.getFirst();
        int fewest = load.applyAsInt(best);
        for (String number : numbers.subList(1, numbers.size())) {
            int busy = load.applyAsInt(number);
            if (busy < fewest) {
                best = number;
                fewest = busy;
            }
        }
        return best;
    }
}
