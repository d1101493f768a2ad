package dev.coda.samples;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The sample classes on the test classpath are the ones coda-maven-plugin rewrote, not javac's output. */
class InstrumentationTest {

    @ParameterizedTest
    @CsvSource({"HttpFetch, fetchAll", "HttpFetch, fetchOne", "HttpFetch, fetchWithin", "FileCopy, copy",
            "FileCopy, sha256", "FileCopy, copyAndVerify", "Bank, open", "Bank, transfer", "Bank, balances",
            "Transaction, begin", "ConnectionPool, open", "Transfers, attempt"})
    void everyAsyncFunctionHasAStateMachine(String host, String method) throws Exception {
        Class<?> stateMachine = Class.forName("dev.coda.samples." + host + "$$Coda$" + method);
        assertTrue(Task.class.isAssignableFrom(stateMachine), "the state machine is the call's Task");
        assertTrue(stateMachine.isSynthetic(), "generated classes are synthetic");
    }

    @ParameterizedTest
    @CsvSource({"HttpFetch", "FileCopy", "Bank", "Transaction", "ConnectionPool"})
    void hostClassesAreMarkedInstrumented(String host) throws Exception {
        try (InputStream in = InstrumentationTest.class.getResourceAsStream(host + ".class")) {
            assertNotNull(in, host + ".class");
            String classFile = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(classFile.contains("dev.coda.Instrumented"),
                    host + ".class carries the attribute the plugin adds to every class it rewrites");
        }
    }
}
