package dev.coda.benchmarks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints, for each shape of a JMH run of {@link PeersBenchmark} (or of a class whose rows are named the same way),
 * every variant's time, its ratio to the shape's baseline, and its bytes allocated per op. Usage:
 * <pre>
 * java -jar tests/benchmarks/target/coda-benchmarks.jar PeersBenchmark -prof gc -rf csv -rff result.csv
 * java -cp tests/benchmarks/target/coda-benchmarks.jar dev.coda.benchmarks.Ratios result.csv
 * </pre>
 * A row {@code <class>.<shape>_<variant>} belongs to the shape; rows of other names are skipped. The baselines:
 * {@code atomicGate} for {@code twoPending}, {@code twoComplete} and {@code suspendedHeap}, {@code whenComplete}
 * for {@code twoFutures*}, {@code codaResume} for {@code cancelHoldingTwo}, and for any other shape its first
 * variant (alphabetically) whose name does not start with {@code coda}. A variant {@code <x>Cancel} is also shown
 * against {@code <x>Resume}, where that is not the baseline. The bytes come from the
 * {@code gc.alloc.rate.norm} rows, which {@code -prof gc} adds ({@code -} without them). Only average-time rows are
 * read; a variant that failed (a {@code virtualThread} row before JDK 21) has no row in the file and is not shown.
 */
public final class Ratios {
    private static final Map<String, String> BASELINES = Map.of(
            "twoPending", "atomicGate",
            "twoComplete", "atomicGate",
            "suspendedHeap", "atomicGate",
            "twoFuturesPending", "whenComplete",
            "twoFuturesComplete", "whenComplete",
            "cancelHoldingTwo", "codaResume");
    /** Shapes in this order first, then any others as they come in the file. */
    private static final List<String> ORDER = List.of("twoPending", "twoComplete", "twoFuturesPending",
            "twoFuturesComplete", "cancelHoldingTwo", "scopeOfOne", "anyOfTwo", "timeout", "suspendedHeap");

    /** One variant's figures; NaN where the file has none. */
    static final class Row {
        double score = Double.NaN;
        double error = Double.NaN;
        String unit = "";
        double bytes = Double.NaN;
    }

    private Ratios() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java -cp coda-benchmarks.jar dev.coda.benchmarks.Ratios result.csv");
            System.err.println("  result.csv: written by a JMH run with -prof gc -rf csv -rff result.csv");
            System.exit(2);
        }
        List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
        if (lines.isEmpty()) throw new IllegalArgumentException(args[0] + " is empty");
        List<String> header = parse(lines.get(0));
        int benchmark = column(header, "Benchmark");
        int mode = column(header, "Mode");
        int score = column(header, "Score");
        int error = column(header, "Score Error (99.9%)");
        int unit = column(header, "Unit");
        List<Integer> params = new ArrayList<>();
        for (int i = 0; i < header.size(); i++) if (header.get(i).startsWith("Param: ")) params.add(i);

        // shape (with its class) -> variant -> row, in the order of the file
        Map<String, Map<String, Row>> shapes = new LinkedHashMap<>();
        int skipped = 0;
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) continue;
            List<String> f = parse(line);
            if (!f.get(mode).equals("avgt")) continue;
            String name = f.get(benchmark);
            String metric = null;
            int colon = name.indexOf(':');
            if (colon >= 0) {
                metric = name.substring(colon + 1).replace("\u00b7", "");
                name = name.substring(0, colon);
                if (!metric.equals("gc.alloc.rate.norm")) continue;
            }
            int dot = name.lastIndexOf('.');
            String method = name.substring(dot + 1);
            int underscore = method.indexOf('_');
            if (underscore <= 0) {
                if (metric == null) skipped++;
                continue;
            }
            String owner = name.substring(name.lastIndexOf('.', dot - 1) + 1, dot);
            StringBuilder variant = new StringBuilder(method.substring(underscore + 1));
            for (int p : params) {
                if (!f.get(p).isEmpty()) variant.append(' ').append(header.get(p).substring(7)).append('=').append(f.get(p));
            }
            Row row = shapes.computeIfAbsent(owner + "." + method.substring(0, underscore), k -> new LinkedHashMap<>())
                    .computeIfAbsent(variant.toString(), k -> new Row());
            if (metric == null) {
                row.score = number(f.get(score));
                row.error = number(f.get(error));
                row.unit = f.get(unit);
            } else {
                row.bytes = number(f.get(score));
            }
        }

        List<String> keys = new ArrayList<>();
        for (String s : ORDER) for (String k : shapes.keySet()) if (shape(k).equals(s)) keys.add(k);
        for (String k : shapes.keySet()) if (!keys.contains(k)) keys.add(k);
        for (String k : keys) print(k, shapes.get(k));
        if (skipped > 0) System.out.printf("(%d rows not named <shape>_<variant> skipped)%n", skipped);
    }

    private static String shape(String key) {
        return key.substring(key.indexOf('.') + 1);
    }

    private static void print(String key, Map<String, Row> variants) {
        String shape = shape(key);
        String base = BASELINES.get(shape);
        if (base == null) {
            for (String v : variants.keySet()) {
                if (!v.startsWith("coda") && (base == null || v.compareTo(base) < 0)) base = v;
            }
        }
        Row b = base == null ? null : variants.get(base);
        String unit = b != null ? b.unit : variants.values().iterator().next().unit;
        System.out.printf("%s (baseline: %s)%n", key, b == null ? "none in this file" : base);
        System.out.printf("  %-28s %12s %10s %8s %10s %8s%n", "variant", unit, "\u00b1", "x time", "B/op", "x bytes");
        List<String> order = new ArrayList<>(variants.keySet());
        order.sort(null);
        if (b != null) {
            order.remove(base);
            order.add(0, base);
        }
        for (String v : order) {
            Row r = variants.get(v);
            System.out.printf("  %-28s %12s %10s %8s %10s %8s%n", v, fixed(r.score, 1), fixed(r.error, 1),
                    b == null ? "-" : fixed(r.score / b.score, 2), fixed(r.bytes, 0),
                    b == null || b.bytes == 0 ? "-" : fixed(r.bytes / b.bytes, 2));
        }
        for (String v : order) {
            // a cancel against the resumption of the same call, where that is not the shape's baseline
            String resume = v.endsWith("Cancel") ? v.substring(0, v.length() - 6) + "Resume" : null;
            Row c = variants.get(v);
            Row r = resume == null || resume.equals(base) ? null : variants.get(resume);
            if (r != null) {
                System.out.printf("  %s against %s: %s x time, %s x bytes%n", v, resume, fixed(c.score / r.score, 2),
                        r.bytes == 0 ? "-" : fixed(c.bytes / r.bytes, 2));
            }
        }
        System.out.println();
    }

    private static String fixed(double d, int decimals) {
        return Double.isNaN(d) || Double.isInfinite(d) ? "-" : String.format(Locale.ROOT, "%,." + decimals + "f", d);
    }

    private static double number(String s) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return Double.parseDouble(s.trim().replace(',', '.')); // a locale's decimal comma
        }
    }

    private static int column(List<String> header, String name) {
        int i = header.indexOf(name);
        if (i < 0) throw new IllegalArgumentException("not a JMH CSV result: no column \"" + name + "\" in " + header);
        return i;
    }

    /** One CSV line: fields separated by commas, optionally quoted, a quote inside quotes doubled. */
    static List<String> parse(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c != '"') f.append(c);
                else if (i + 1 < line.length() && line.charAt(i + 1) == '"') f.append(line.charAt(++i));
                else quoted = false;
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(f.toString());
                f.setLength(0);
            } else if (c != '\r') {
                f.append(c);
            }
        }
        fields.add(f.toString());
        return fields;
    }
}
