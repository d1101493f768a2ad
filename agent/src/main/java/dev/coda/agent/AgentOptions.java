package dev.coda.agent;

import java.nio.file.Path;

/**
 * The agent's option string: {@code verbose}, {@code dump=DIR} and {@code probe}, comma-separated. An unknown
 * option is logged and ignored; it never stops the JVM.
 *
 * @param dump  where to write rewritten and generated classes, or null
 * @param probe switch the live-coroutine probe on (the same as {@code -Dcoda.probe=true})
 */
record AgentOptions(boolean verbose, Path dump, boolean probe) {

    static AgentOptions parse(String options, AgentLog log) {
        boolean verbose = false;
        boolean probe = false;
        Path dump = null;
        if (options == null || options.isBlank()) return new AgentOptions(false, null, false);
        for (String raw : options.split(",")) {
            String option = raw.trim();
            if (option.equals("verbose")) verbose = true;
            else if (option.equals("probe")) probe = true;
            else if (option.startsWith("dump=") && option.length() > 5) dump = Path.of(option.substring(5));
            else log.unknownOption(option);
        }
        return new AgentOptions(verbose, dump, probe);
    }
}
