package dev.coda.tests.values;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.support.Later;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;

/** Values of every type live across awaits and on the operand stack below them. */
public final class Values {
    private Values() {}

    /** A constructor with wide and narrow parameters, for {@code new Mixed(..., await(...))}. */
    public record Mixed(long l, Object o, double d, String s) {}

    @Async
    public static Task<String> primitivesLive() {
        boolean z = true;
        byte b = Byte.MIN_VALUE;
        char c = '\uffff';
        short s = Short.MAX_VALUE;
        int i = Integer.MIN_VALUE;
        long l = Long.MAX_VALUE;
        float f = Float.NaN;
        double d = -0.0;
        int k = await(Later.value(1));
        z = !z;
        b += k;
        c -= k;
        s -= k;
        i += k;
        l -= k;
        float f2 = Float.MIN_VALUE;
        double d2 = Double.NEGATIVE_INFINITY;
        k = await(Later.value(2));
        return Task.completed(z + "|" + b + "|" + (int) c + "|" + s + "|" + i + "|" + l + "|" + f + "|"
                + (1 / d) + "|" + f2 + "|" + d2 + "|" + k);
    }

    @Async
    public static Task<String> awaitedPrimitives(CompletableFuture<Boolean> z, CompletableFuture<Byte> b,
            CompletableFuture<Character> c, CompletableFuture<Short> s, CompletableFuture<Integer> i,
            CompletableFuture<Long> l, CompletableFuture<Float> f, CompletableFuture<Double> d) {
        boolean zz = await(z);
        byte bb = await(b);
        char cc = await(c);
        short ss = await(s);
        int ii = await(i);
        long ll = await(l);
        float ff = await(f);
        double dd = await(d);
        return Task.completed(zz + "|" + bb + "|" + cc + "|" + ss + "|" + ii + "|" + ll + "|" + ff + "|" + dd);
    }

    @Async
    public static Task<Object[]> references(int[] ints, Task<String[][]> grid, CompletableFuture<Object> maybeNull) {
        String none = null;
        Object[] kept = {ints, "x"};
        String[][] g = await(grid);
        ints[0] = 99;
        Object awaited = await(maybeNull);
        g[1][0] = none == null ? "was null" : none;
        return Task.completed(new Object[] {kept, g, awaited, none, ints});
    }

    static String join(int a, long b, String c, double d, char e, Object f, boolean g) {
        return a + "," + b + "," + c + "," + d + "," + e + "," + f + "," + g;
    }

    @Async
    public static Task<String> callArguments(CompletableFuture<String> x, CompletableFuture<Object> y) {
        int a = -3;
        long b = 1L << 40;
        double d = 2.25;
        String r = join(a, b, await(x), d, 'q', await(y), a < 0);
        StringBuilder sb = new StringBuilder("sb:");
        sb.append(a).append(await(Later.value("-mid-"))).append(b);
        return Task.completed(r + ";" + sb);
    }

    @Async
    public static Task<String> concatenation(CompletableFuture<Long> x, CompletableFuture<Character> y) {
        byte b = 5;
        short s = -6;
        float f = 1.5f;
        boolean z = false;
        String r = "b" + b + "s" + s + "x" + await(x) + "f" + f + "y" + await(y) + "z" + z + "n" + null;
        return Task.completed(r);
    }

    @Async
    public static Task<String> arrayInitialisers(CompletableFuture<Long> x, Task<String> y, Task<Double> z) {
        long base = 10;
        long[] longs = {base, await(x), base + 1};
        String[][] nested = {{"a", await(y)}, {await(y) + "2"}, {}};
        double[] ds = new double[] {0.5, await(z), await(z) * 2};
        char[] cs = {'a', (char) ('a' + await(x)), 'c'};
        return Task.completed(Arrays.toString(longs) + Arrays.deepToString(nested) + Arrays.toString(ds) + new String(cs));
    }

    @Async
    public static Task<Mixed> constructors(CompletableFuture<Object> o, CompletableFuture<String> s) {
        long l = 7L;
        double d = 0.125;
        Mixed m = new Mixed(l, await(o), d, await(s));
        Mixed outer = new Mixed(l + 1, new Mixed(m.l(), m, await(Later.value(3.0)), m.s()), d * 2, await(s) + "'");
        return Task.completed(outer);
    }

    @Async
    public static Task<String> ternaries(boolean flag, CompletableFuture<Integer> x, CompletableFuture<Integer> y,
            CompletableFuture<Boolean> cond) {
        long below = 1000;
        long r1 = below + (flag ? await(x) : await(y));
        String r2 = (await(cond) ? "yes" : "no") + (flag ? "" : await(Later.value("-awaited")));
        double r3 = 0.5 + (r1 > 1000 ? await(y) * 1.0 : -1.0);
        return Task.completed(r1 + "|" + r2 + "|" + r3);
    }

    @Async
    public static Task<String> narrowWrap() {
        byte b = 127;
        short s = 32767;
        char c = 65535;
        int one = await(Later.value(1));
        b += one;
        s += one;
        c += one;
        byte[] bytes = {b, (byte) (int) await(Later.value(300))};
        return Task.completed(b + "," + s + "," + (int) c + "," + bytes[1]);
    }

    @Async
    public static Task<Integer> unboxNull(CompletableFuture<Integer> f) {
        int before = 1;
        int v = await(f);
        return Task.completed(before + v);
    }
}
