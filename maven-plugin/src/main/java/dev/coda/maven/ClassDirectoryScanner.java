package dev.coda.maven;

import dev.coda.transformer.CodaNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Lists the class files of a classes directory, in a stable order, and tells which ones are named like a state
 * machine Coda generated ({@code Host$$Coda$method.class}) and which host each belongs to.
 */
final class ClassDirectoryScanner {
    private static final String CLASS = ".class";

    private ClassDirectoryScanner() {}

    /** Every {@code .class} file under {@code directory}, sorted. */
    static List<Path> classFiles(Path directory) throws IOException {
        try (Stream<Path> files = Files.walk(directory)) {
            return files.filter(p -> p.getFileName().toString().endsWith(CLASS))
                    .filter(Files::isRegularFile)
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    /** Whether the file is named like a generated state machine. Its content decides whether it really is one. */
    static boolean isStateMachineName(Path classFile) {
        return classFile.getFileName().toString().contains(CodaNames.STATE_MACHINE_INFIX);
    }

    /**
     * The class files that may be the host of a state machine: {@code p/Host$$Coda$m.class} belongs to
     * {@code p/Host.class}. A host's name and a method's name may both contain the infix, so every place it occurs
     * gives a candidate.
     */
    static List<Path> possibleHostsOf(Path stateMachine) {
        String name = stateMachine.getFileName().toString();
        List<Path> hosts = new ArrayList<>();
        for (int i = name.indexOf(CodaNames.STATE_MACHINE_INFIX); i > 0;
             i = name.indexOf(CodaNames.STATE_MACHINE_INFIX, i + 1)) {
            hosts.add(stateMachine.resolveSibling(name.substring(0, i) + CLASS));
        }
        return hosts;
    }

    /** Where the class with internal name {@code internalName} lives under {@code directory}. */
    static Path fileOf(Path directory, String internalName) {
        return directory.resolve(internalName + CLASS);
    }
}
