package dev.coda.agent;

import java.nio.file.Path;

/**
 * The agent's option string: {@code verbose} and {@code dump=DIR}, comma-separated. An unknown option is logged
 * and ignored; it never stops the JVM.
 *
 * @param dump where to write rewritten and generated classes, or null
 */
record AgentOptions(boolean verbose, Path dump) {

    static AgentOptions parse(String options, AgentLog log) {
        boolean verbose = false;
        Path dump = null;
        if (options == null || options.isBlank()) return new AgentOptions(false, null);
        for (String raw : options.split(",")) {
            String option = raw.trim();
            if (option.equals("verbose")) verbose = true;
            else if (option.startsWith("dump=") && option.length() > 5) dump = Path.of(option.substring(5));
            else log.unknownOption(option);
        }
        return new AgentOptions(verbose, dump);
    }
}
