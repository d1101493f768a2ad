package dev.coda.tests.kinds;

/** An ordinary implementation that inherits the interface's async default method unchanged. */
public final class Circle implements Shape {
    private final double r;

    public Circle(double r) {
        this.r = r;
    }

    @Override
    public double area() {
        return 3 * r * r;
    }

    @Override
    public String name() {
        return "circle";
    }
}
