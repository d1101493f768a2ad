package dev.coda.maven;

import dev.coda.transformer.Diagnostic;
import dev.coda.transformer.TransformResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What the rewrite of one classes directory will change, held in memory until every class has been transformed,
 * and then {@linkplain #write written}: generated state machines before their hosts, so that a rewritten host never
 * exists without them, each file replaced atomically; then the state machines no current host needs are deleted.
 */
final class Changes {
    private final Path classes;
    private final Map<Path, TransformResult> rewritten = new LinkedHashMap<>();
    private final Set<Path> alreadyInstrumented = new HashSet<>();
    private final List<Path> stateMachines = new ArrayList<>();
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private int generated;
    private int removed;

    Changes(Path classes) {
        this.classes = classes;
    }

    /** A state machine a previous run generated; it stays if its host is already instrumented or rewritten anew. */
    void stateMachine(Path file) {
        stateMachines.add(file);
    }

    /** The outcome of one class that mentions Coda; {@code marked}: it already carried the Instrumented marker. */
    void transformed(Path file, TransformResult result, boolean marked) {
        diagnostics.addAll(result.diagnostics());
        if (result.changed()) {
            rewritten.put(file, result);
            generated += result.generated().size();
        } else if (marked) {
            alreadyInstrumented.add(file);
        }
    }

    /** Diagnostics of a check that changes nothing. */
    void report(List<Diagnostic> found) {
        diagnostics.addAll(found);
    }

    List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /** Phase two. Only called when no class had an error. */
    void write(Consumer<String> detail) throws IOException {
        Set<Path> written = new HashSet<>();
        for (Map.Entry<Path, TransformResult> host : rewritten.entrySet()) {
            Path root = rootOf(host.getKey(), host.getValue().className());
            for (Map.Entry<String, byte[]> machine : host.getValue().generated().entrySet()) {
                Path file = ClassDirectoryScanner.fileOf(root, machine.getKey());
                AtomicWriter.write(file, machine.getValue());
                written.add(file);
            }
            AtomicWriter.write(host.getKey(), host.getValue().bytes());
        }
        for (Path machine : stateMachines) {
            boolean current = written.contains(machine)
                    || ClassDirectoryScanner.possibleHostsOf(machine).stream().anyMatch(alreadyInstrumented::contains);
            if (!current && Files.deleteIfExists(machine)) {
                detail.accept("Coda: deleted stale state machine " + machine);
                removed++;
            }
        }
    }

    /**
     * The directory a host's package folders start in: the classes directory, or a version's folder of a
     * multi-release layout ({@code META-INF/versions/21}), where its state machines belong too.
     */
    private Path rootOf(Path hostFile, String internalName) {
        // A class file away from its name's path (copied in as a resource, say) gets its state machines at the root.
        if (!hostFile.endsWith(internalName + ".class")) return classes;
        Path root = hostFile;
        for (int i = internalName.split("/").length; i > 0; i--) root = root.getParent();
        return root;
    }

    /** Nothing was rewritten, found instrumented or deleted: the directory holds no async code. */
    boolean isEmpty() {
        return rewritten.isEmpty() && alreadyInstrumented.isEmpty() && removed == 0;
    }

    /**
     * {@code Coda: N classes rewritten, M state machines generated}; on a re-run without {@code clean},
     * {@code Coda: 0 classes rewritten (K already instrumented)}.
     */
    String summary() {
        StringBuilder s = new StringBuilder("Coda: ").append(count(rewritten.size(), "class", "classes"))
                .append(" rewritten");
        if (!rewritten.isEmpty() || alreadyInstrumented.isEmpty()) {
            s.append(", ").append(count(generated, "state machine", "state machines")).append(" generated");
        }
        if (!alreadyInstrumented.isEmpty()) s.append(" (").append(alreadyInstrumented.size()).append(" already instrumented)");
        if (removed > 0) s.append("; ").append(count(removed, "stale state machine", "stale state machines")).append(" deleted");
        return s.toString();
    }

    private static String count(int n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
