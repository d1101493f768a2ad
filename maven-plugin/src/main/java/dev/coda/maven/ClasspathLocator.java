package dev.coda.maven;

import dev.coda.transformer.ClassFileLocator;
import java.io.Closeable;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Finds class bytes in the classes directory being rewritten, in the project's classpath (directories and jars)
 * and in the JDK. The class loader is used only to read resources: no class is ever loaded through it. Close it to
 * release the jar files it opened.
 */
final class ClasspathLocator implements ClassFileLocator, Closeable {
    private final URLClassLoader resources;

    ClasspathLocator(Path classesDirectory, List<String> classpathElements) {
        Set<URL> urls = new LinkedHashSet<>();
        urls.add(url(classesDirectory.toFile()));
        for (String element : classpathElements) {
            File file = new File(element);
            if (file.exists()) urls.add(url(file));
        }
        // Parent-first: the platform loader answers for the JDK's own classes, the URLs for everything else.
        this.resources = new URLClassLoader("coda-classpath", urls.toArray(new URL[0]),
                ClassLoader.getPlatformClassLoader());
    }

    @Override
    public byte[] locate(String internalName) {
        try (InputStream in = resources.getResourceAsStream(internalName + ".class")) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() throws IOException {
        resources.close();
    }

    private static URL url(File file) {
        try {
            return file.toURI().toURL();
        } catch (MalformedURLException e) {
            throw new UncheckedIOException(e);
        }
    }
}
