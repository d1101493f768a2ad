package dev.coda.samples;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs the samples: {@code java -jar coda-samples.jar [name...]}, every sample when no name is given.
 * Exit code 0 when every sample ran, 1 when one failed, 2 for an unknown name.
 */
public final class Main {
    private Main() {}

    /** A runnable sample: prints what it does to {@code out}. */
    interface Sample {
        void run(PrintStream out) throws Exception;
    }

    private record Entry(String description, Sample sample) {}

    private static final Map<String, Entry> SAMPLES = new LinkedHashMap<>();
    static {
        SAMPLES.put("http", new Entry("fetch URLs concurrently with HttpClient.sendAsync; a timeout aborts a slow one",
                out -> HttpFetch.run(out)));
        SAMPLES.put("copy", new Entry("copy a file over AsynchronousFileChannel, awaiting each read and write",
                out -> FileCopy.run(out)));
        SAMPLES.put("echo", new Entry(
                "a TCP echo server whose handlers own their connections; shutdown aborts their reads, says goodbye",
                out -> EchoServer.run(out)));
        SAMPLES.put("db", new Entry(
                "bank transfers over R2DBC H2 and a pool of its own; a failed or cancelled one rolls back",
                out -> Transfers.run(out)));
    }

    /** The sample names, in the order they run when no name is given. */
    public static List<String> names() {
        return List.copyOf(SAMPLES.keySet());
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err);
        // On success the JVM ends by itself: every sample stops its server and thread pools.
        if (code != 0) System.exit(code);
    }

    /** Runs the samples named in {@code args} (all of them if none) and returns the process exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("-h") || args[0].equals("--help"))) {
            out.print(usage());
            return 0;
        }
        List<String> names = args.length == 0 ? names() : List.of(args);
        List<String> unknown = new ArrayList<>();
        for (String name : names) {
            if (!SAMPLES.containsKey(name)) unknown.add(name);
        }
        if (!unknown.isEmpty()) {
            err.println("unknown sample" + (unknown.size() == 1 ? "" : "s") + ": " + String.join(", ", unknown));
            err.print(usage());
            return 2;
        }
        for (String name : names) {
            Entry entry = SAMPLES.get(name);
            out.println("== " + name + ": " + entry.description());
            try {
                entry.sample().run(out);
            } catch (Exception e) {
                out.flush();
                err.println("sample '" + name + "' failed: " + e);
                e.printStackTrace(err);
                return 1;
            }
            out.println();
        }
        out.flush();
        return 0;
    }

    static String usage() {
        StringBuilder usage = new StringBuilder("usage: java -jar coda-samples.jar [name...]\n")
                .append("runs the named samples, or all of them when no name is given:\n");
        SAMPLES.forEach((name, entry) -> usage.append(String.format("  %-6s %s%n", name, entry.description())));
        return usage.toString();
    }
}
