package dev.coda.tests.debug;

import dev.coda.tests.support.SourceLines;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jdi.Bootstrap;
import com.sun.jdi.IntegerValue;
import com.sun.jdi.LocalVariable;
import com.sun.jdi.Location;
import com.sun.jdi.ReferenceType;
import com.sun.jdi.StackFrame;
import com.sun.jdi.VirtualMachine;
import com.sun.jdi.connect.Connector;
import com.sun.jdi.connect.LaunchingConnector;
import com.sun.jdi.event.BreakpointEvent;
import com.sun.jdi.event.ClassPrepareEvent;
import com.sun.jdi.event.Event;
import com.sun.jdi.event.EventSet;
import com.sun.jdi.event.VMDeathEvent;
import com.sun.jdi.event.VMDisconnectEvent;
import com.sun.jdi.request.ClassPrepareRequest;
import com.sun.jdi.request.EventRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * A debugger stopped in a rewritten method after a resumption sees only the variables live there, with their
 * values: the local variable table is trimmed to liveness, so a dead variable whose slot now holds something else
 * is not shown. Runs the program under JDI, the way this test run's classes were rewritten.
 */
class DebuggerLocalsTest {
    private static final SourceLines SOURCE = new SourceLines("src/test/java/dev/coda/tests/debug/LocalsProgram.java");

    private static int line(String name) {
        return SOURCE.line(name);
    }

    @Test
    void afterAResumptionOnlyLiveVariablesAreVisibleWithTheirValues() throws Exception {
        LaunchingConnector launcher = Bootstrap.virtualMachineManager().defaultConnector();
        Map<String, Connector.Argument> arguments = launcher.defaultArguments();
        StringBuilder options = new StringBuilder("-cp " + System.getProperty("java.class.path"));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-javaagent:")) options.append(' ').append(arg);
        }
        arguments.get("options").setValue(options.toString());
        arguments.get("main").setValue(LocalsProgram.class.getName());
        VirtualMachine vm = launcher.launch(arguments);
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread drain = drain(vm.process().getInputStream(), output);
        drain(vm.process().getErrorStream(), output);

        ClassPrepareRequest prepare = vm.eventRequestManager().createClassPrepareRequest();
        prepare.addClassFilter(LocalsProgram.class.getName());
        prepare.enable();
        int line = line("afterResume");
        Map<String, Integer> seen = null;
        String thread = null;
        vm.resume();
        events:
        while (true) {
            EventSet set = vm.eventQueue().remove(30_000);
            if (set == null) throw new AssertionError("the debuggee stopped answering; output: " + output);
            for (Event e : set) {
                if (e instanceof ClassPrepareEvent cp) {
                    ReferenceType type = cp.referenceType();
                    for (Location at : type.locationsOfLine(line)) {
                        var bp = vm.eventRequestManager().createBreakpointRequest(at);
                        bp.setSuspendPolicy(EventRequest.SUSPEND_EVENT_THREAD);
                        bp.enable();
                    }
                } else if (e instanceof BreakpointEvent bp) {
                    StackFrame frame = bp.thread().frame(0);
                    thread = bp.thread().name();
                    seen = new TreeMap<>();
                    for (LocalVariable v : frame.visibleVariables()) {
                        seen.put(v.name(), ((IntegerValue) frame.getValue(v)).value());
                    }
                } else if (e instanceof VMDeathEvent || e instanceof VMDisconnectEvent) {
                    break events;
                }
            }
            set.resume();
        }
        drain.join(10_000);
        assertTrue(output.toString().contains("result 17"), output.toString());
        assertEquals("completer", thread, "stopped after the resumption, on the completing thread");
        assertEquals(Map.of("k", 7, "m", 10), seen, "n, a and b are dead there; sum is not assigned yet");
    }

    private static Thread drain(InputStream in, ByteArrayOutputStream out) {
        Thread t = new Thread(() -> {
            try {
                in.transferTo(out);
            } catch (IOException ignored) {
                // the debuggee is gone
            }
        });
        t.setDaemon(true);
        t.start();
        return t;
    }
}
