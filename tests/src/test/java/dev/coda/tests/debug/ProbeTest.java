package dev.coda.tests.debug;

import dev.coda.tests.support.SourceLines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The live-coroutine probe, switched on by {@code -Dcoda.probe=true} in a JVM of its own (it is fixed for the life
 * of a JVM), run the way this test run's classes were rewritten: the same class path, and the agent if this JVM has
 * it.
 */
class ProbeTest {
    private static final SourceLines SOURCE = new SourceLines("src/test/java/dev/coda/tests/debug/ProbeProgram.java");

    private static int line(String name) {
        return SOURCE.line(name);
    }

    private static List<String> run(String... properties) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-javaagent:")) command.add(arg);
        }
        command.addAll(List.of(properties));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ProbeProgram.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the program finished");
        assertEquals(0, p.exitValue(), out);
        return out.lines().toList();
    }

    private static String at(String method, String marker) {
        return ProbeProgram.class.getName() + "." + method + "(ProbeProgram.java:" + line(marker) + ")";
    }

    @Test
    void listsSuspendedCoroutinesAsATreeFromCodeAndOverJmxAndForgetsCollectedOnes() throws Exception {
        List<String> out = run("-Dcoda.probe=true");
        String name = ProbeProgram.class.getName();
        List<String> tree = List.of(
                at("outer", "outerAwaits") + " suspended, awaiting " + name + ".middle",
                "  " + at("middle", "middleAwaits") + " suspended, awaiting " + name + ".inner",
                "  " + "  " + at("inner", "innerAwaits") + " suspended, awaiting java.util.concurrent.CompletableFuture");
        assertEquals("enabled true", out.get(0));
        assertEquals("toString " + tree.get(0), out.get(1), "Task.toString says where it waits");
        assertEquals("code", out.get(2));
        for (int i = 0; i < 3; i++) assertTrue(out.get(3 + i).startsWith(tree.get(i)), out.get(3 + i) + " / " + tree.get(i));
        assertEquals("jmx 3", out.get(6));
        for (int i = 0; i < 3; i++) assertTrue(out.get(7 + i).startsWith(tree.get(i)), out.get(7 + i));
        assertEquals(List.of("result 4", "forgotten 3", "after gc 0"), out.subList(10, out.size()));
    }

    @Test
    void isOffByDefault() throws Exception {
        List<String> out = run();
        assertEquals("enabled false", out.get(0));
        assertEquals(List.of("code", "no jmx", "result 4", "forgotten 0", "after gc 0"), out.subList(2, out.size()),
                "nothing listed, nothing offered over JMX");
    }
}
