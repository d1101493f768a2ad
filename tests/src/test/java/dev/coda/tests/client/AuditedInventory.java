package dev.coda.tests.client;

import static dev.coda.Coda.await;

import dev.coda.Async;
import dev.coda.Task;
import dev.coda.tests.api.Inventory;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** A subclass in another package calling the superclass's protected async method from async code and a lambda. */
public class AuditedInventory extends Inventory {
    @Async
    public Task<String> selfAudit(CompletableFuture<String> stamp) {
        String a = await(audit("self", stamp));
        return Task.completed("[" + a + "]");
    }

    public Supplier<Task<String>> auditLater(CompletableFuture<String> stamp) {
        return () -> {
            String a = await(audit("lambda", stamp));
            return Task.completed("(" + a + ")");
        };
    }

    @Async
    @Override
    protected Task<String> audit(String who, CompletableFuture<String> stamp) {
        String inner = await(super.audit(who.toUpperCase(), stamp));
        return Task.completed(inner + "!");
    }
}
