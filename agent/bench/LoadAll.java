import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/** Loads (without initialising) every class of the given jars, as a start-up workload that never mentions Coda. */
public class LoadAll {
    public static void main(String[] args) throws Exception {
        ClassLoader loader = LoadAll.class.getClassLoader();
        int loaded = 0;
        for (String path : args) {
            try (JarFile jar = new JarFile(path)) {
                for (JarEntry e : java.util.Collections.list(jar.entries())) {
                    String n = e.getName();
                    if (!n.endsWith(".class") || n.startsWith("META-INF/") || n.endsWith("module-info.class")) continue;
                    try {
                        Class.forName(n.substring(0, n.length() - 6).replace('/', '.'), false, loader);
                        loaded++;
                    } catch (Throwable ignored) {
                        // optional dependencies of the jar are absent; those classes simply do not load
                    }
                }
            }
        }
        System.out.println(loaded);
    }
}
