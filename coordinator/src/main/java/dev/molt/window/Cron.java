package dev.molt.window;

import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;

/**
 * A five-field cron expression, minute hour day-of-month month day-of-week, as crontab(5) has it:
 * each field {@code *}, a number, a range {@code a-b}, a step {@code * /n} or {@code a-b/n}, or a
 * comma-separated list of those; months and days may be named (jan, mon); day-of-week 0 and 7 are
 * Sunday. When both day-of-month and day-of-week are restricted, a day matching either matches
 * (crontab's rule); when one is {@code *}, only the other counts.
 */
public record Cron(String expression, BitSet minutes, BitSet hours, BitSet daysOfMonth, BitSet months,
        BitSet daysOfWeek, boolean domRestricted, boolean dowRestricted) {

    private static final List<String> MONTHS =
            List.of("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec");
    private static final List<String> DAYS = List.of("sun", "mon", "tue", "wed", "thu", "fri", "sat");

    public static Cron parse(String expression) {
        if (expression == null || expression.isBlank()) {
            throw new WindowSpecException("cron expression is empty: write five fields, minute hour day-of-month month day-of-week (e.g. '0 2 * * 1-5')");
        }
        String[] fields = expression.trim().split("\\s+");
        if (fields.length != 5) {
            throw new WindowSpecException("cron '" + expression.trim() + "' has " + fields.length
                    + " fields, needs five: minute hour day-of-month month day-of-week (e.g. '0 2 * * 1-5')");
        }
        String e = expression.trim();
        BitSet dow = field(e, "day-of-week", fields[4], 0, 7, DAYS);
        if (dow.get(7)) {
            dow.set(0);
            dow.clear(7);
        }
        return new Cron(e,
                field(e, "minute", fields[0], 0, 59, List.of()),
                field(e, "hour", fields[1], 0, 23, List.of()),
                field(e, "day-of-month", fields[2], 1, 31, List.of()),
                field(e, "month", fields[3], 1, 12, MONTHS),
                dow,
                !fields[2].equals("*"),
                !fields[4].equals("*"));
    }

    public boolean matches(LocalDate date) {
        if (!months.get(date.getMonthValue())) {
            return false;
        }
        boolean dom = daysOfMonth.get(date.getDayOfMonth());
        boolean dow = daysOfWeek.get(date.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : date.getDayOfWeek().getValue());
        if (domRestricted && dowRestricted) {
            return dom || dow;
        }
        return dom && dow;
    }

    private static BitSet field(String expression, String name, String text, int min, int max, List<String> names) {
        BitSet set = new BitSet(max + 1);
        for (String part : text.split(",", -1)) {
            String where = "cron '" + expression + "': " + name + " '" + part + "'";
            if (part.isEmpty()) {
                throw new WindowSpecException(where + " is empty (a doubled or trailing comma?)");
            }
            int step = 1;
            String range = part;
            int slash = part.indexOf('/');
            if (slash >= 0) {
                range = part.substring(0, slash);
                step = number(where, part.substring(slash + 1), List.of(), 0);
                if (step < 1) {
                    throw new WindowSpecException(where + ": step must be at least 1");
                }
            }
            int from;
            int to;
            if (range.equals("*")) {
                from = min;
                to = max;
            } else if (range.contains("-")) {
                String[] ends = range.split("-", 2);
                from = number(where, ends[0], names, min);
                to = number(where, ends[1], names, min);
                if (to < from) {
                    throw new WindowSpecException(where + ": range runs backwards (" + from + " > " + to + ")");
                }
            } else {
                from = number(where, range, names, min);
                // "5/15" means from 5 to the end, every 15 (as Vixie cron reads it)
                to = slash >= 0 ? max : from;
            }
            if (from < min || to > max) {
                throw new WindowSpecException(where + " is out of range " + min + "-" + max);
            }
            for (int v = from; v <= to; v += step) {
                set.set(v);
            }
        }
        return set;
    }

    private static int number(String where, String text, List<String> names, int min) {
        int named = names.indexOf(text.toLowerCase(Locale.ROOT));
        if (named >= 0) {
            return named + (names.size() == 12 ? 1 : 0);
        }
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new WindowSpecException(where + ": '" + text + "' is not a number"
                    + (names.isEmpty() ? "" : " or one of " + String.join(",", names)));
        }
    }
}
