package dev.coda.transformer.regression;

import dev.coda.transformer.support.Instrumented;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.util.TraceClassVisitor;

/** Review helpers: compile without requiring a clean result, and print bytecode for inspection. */
final class RegressionSupport {
    private RegressionSupport() {}

    static final String PRELUDE = """
            package p;
            import dev.coda.*;
            import java.util.*;
            import java.util.concurrent.*;
            import java.util.function.*;
            import static dev.coda.Coda.await;
            import static dev.coda.transformer.constructs.Driver.*;
            """;

    static Instrumented compile(String cls, String body) {
        return Instrumented.compile("p/" + cls + ".java", PRELUDE + "public class " + cls + " {\n" + body + "\n}\n");
    }

    static String text(byte[] bytes) {
        StringWriter w = new StringWriter();
        new ClassReader(bytes).accept(new TraceClassVisitor(new PrintWriter(w)), 0);
        return w.toString();
    }

    static void dump(Instrumented code, String internalName) {
        System.out.println(text(code.output.get(internalName)));
    }
}
