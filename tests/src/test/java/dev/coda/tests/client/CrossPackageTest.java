package dev.coda.tests.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.coda.Task;
import dev.coda.tests.api.Inventory;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Async code of one package driving the async API of another. */
class CrossPackageTest {
    @Test
    void orderSucceedsAcrossPackagesAfterSuspending() {
        Shop shop = new Shop(new Inventory().put("apple", 5));
        CompletableFuture<Integer> amount = new CompletableFuture<>();
        Task<String> t = shop.order("apple", amount);
        assertFalse(t.isDone());
        amount.complete(3);
        assertEquals("ok apple, 2 left", t.join());
        assertEquals(List.of("apple"), shop.receipts());
    }

    @Test
    void checkedExceptionFromTheOtherPackageIsCaughtAsItself() {
        Shop shop = new Shop(new Inventory().put("pear", 1));
        CompletableFuture<Integer> amount = new CompletableFuture<>();
        Task<String> t = shop.order("pear", amount);
        amount.complete(4);
        assertEquals("refused: pear: wanted 4, have 1", t.join());
        assertEquals(List.of(), shop.receipts());
    }

    @Test
    void checkedFailureOfTheApiTaskIsWrappedOnlyByJoin() throws Exception {
        Inventory inv = new Inventory();
        CompletableFuture<Integer> amount = new CompletableFuture<>();
        Task<Integer> t = inv.reserve("fig", amount);
        amount.complete(1);
        CompletionException joined = assertThrows(CompletionException.class, t::join);
        assertTrue(joined.getCause() instanceof Inventory.OutOfStock, String.valueOf(joined.getCause()));
        ExecutionException viaFuture = assertThrows(ExecutionException.class, () -> t.toCompletableFuture().get());
        assertSame(joined.getCause(), viaFuture.getCause(), "one exception instance, seen through both views");
    }

    @Test
    void publicCompletableFutureApiWrappingPackagePrivateAsyncCode() throws Exception {
        Shop shop = new Shop(new Inventory().put("a", 1).put("b", 2).put("c", 3));
        assertEquals(30, shop.stockCount().join());
        CompletableFuture<Integer> direct = Inventory.count(new Inventory().put("x", 1));
        assertEquals(1, direct.get());
    }

    @Test
    void protectedAsyncMethodOfASuperclassInAnotherPackage() {
        AuditedInventory inv = new AuditedInventory();
        inv.put("k", 1);
        CompletableFuture<String> stamp = new CompletableFuture<>();
        Task<String> self = inv.selfAudit(stamp);
        Task<String> lambda = inv.auditLater(stamp).get();
        assertFalse(self.isDone());
        assertFalse(lambda.isDone());
        stamp.complete("t1");
        assertEquals("[SELF@t1{k=1}!]", self.join());
        assertEquals("(LAMBDA@t1{k=1}!)", lambda.join());
    }
}
