package dev.coda.maven;

import java.io.File;
import java.util.List;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * Rewrites the {@code @Async} methods and async blocks of the test classes into state machines, in place, after
 * test compilation. Re-running it without {@code clean} is a no-op: rewritten classes are marked.
 */
@Mojo(name = "instrument-tests", defaultPhase = LifecyclePhase.PROCESS_TEST_CLASSES,
        requiresDependencyResolution = ResolutionScope.TEST, threadSafe = true)
public class InstrumentTestsMojo extends AbstractInstrumentMojo {

    /** The test classes directory. */
    @Parameter(defaultValue = "${project.build.testOutputDirectory}", required = true)
    private File testClassesDirectory;

    /** The test classpath: where the supertypes of rewritten classes are looked up, as class files (never loaded). */
    @Parameter(defaultValue = "${project.testClasspathElements}", required = true, readonly = true)
    private List<String> testClasspathElements;

    /** The test source roots, to print diagnostics with the absolute path of the {@code .java} file. */
    @Parameter(defaultValue = "${project.testCompileSourceRoots}", required = true, readonly = true)
    private List<String> testSourceRoots;

    @Override
    File classesDirectory() {
        return testClassesDirectory;
    }

    @Override
    List<String> classpathElements() {
        return testClasspathElements;
    }

    @Override
    List<String> sourceRoots() {
        return testSourceRoots;
    }
}
