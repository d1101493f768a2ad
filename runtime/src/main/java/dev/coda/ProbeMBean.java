package dev.coda;

import java.lang.management.ManagementFactory;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.ObjectName;
import javax.management.ReflectionException;

/**
 * The probe over JMX: {@code dev.coda:type=CoroutineProbe}, with the attribute {@code LiveCoroutines} and the
 * operation {@code dump}. Dynamic, so no interface joins the public API for it.
 */
final class ProbeMBean implements DynamicMBean {
    static final String NAME = "dev.coda:type=CoroutineProbe";

    private ProbeMBean() {}

    static void register() {
        try {
            ManagementFactory.getPlatformMBeanServer().registerMBean(new ProbeMBean(), new ObjectName(NAME));
        } catch (Exception | LinkageError e) {
            // The probe still works from code; say why JMX does not offer it.
            System.getLogger("dev.coda").log(System.Logger.Level.WARNING,
                    "Coda coroutine probe: cannot register " + NAME + " over JMX: " + e);
        }
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        if (attribute.equals("LiveCoroutines")) return CoroutineProbe.liveCount();
        throw new AttributeNotFoundException(attribute);
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException(attribute.getName() + " is read-only");
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        AttributeList list = new AttributeList();
        for (String a : attributes) {
            if (a.equals("LiveCoroutines")) list.add(new Attribute(a, CoroutineProbe.liveCount()));
        }
        return list;
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String action, Object[] params, String[] signature) throws ReflectionException {
        if (action.equals("dump") && (params == null || params.length == 0)) return CoroutineProbe.dump();
        throw new ReflectionException(new NoSuchMethodException(action));
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return new MBeanInfo(ProbeMBean.class.getName(), "Coda coroutines alive in this JVM",
                new MBeanAttributeInfo[] {new MBeanAttributeInfo("LiveCoroutines", "int",
                        "coroutines started and not yet completed", true, false, false)},
                null,
                new MBeanOperationInfo[] {new MBeanOperationInfo("dump",
                        "the live coroutines as a tree: each one's await line and what it awaits",
                        null, "java.lang.String", MBeanOperationInfo.INFO)},
                null);
    }
}
