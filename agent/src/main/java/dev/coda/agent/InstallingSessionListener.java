package dev.coda.agent;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs the agent when a JUnit Platform launcher session opens: before the launcher discovers, and so loads, any
 * test class. With the agent jar on the test class path, test classes may hold async code of their own, and no test
 * needs to call {@link CodaAgent#install()}.
 *
 * <p>The launcher finds this class through {@code META-INF/services}; without the JUnit Platform on the class path
 * nothing loads it. The system property {@code coda.junit.install=false} switches it off, for builds whose classes
 * the Maven plugin already rewrote.
 */
public final class InstallingSessionListener implements LauncherSessionListener {
    /** Called by the JUnit Platform's service loader. */
    public InstallingSessionListener() {}

    /**
     * Installs the agent unless {@code coda.junit.install} is {@code false}.
     *
     * @param session the session being opened
     */
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        if (!"false".equals(System.getProperty("coda.junit.install"))) CodaAgent.install();
    }
}
