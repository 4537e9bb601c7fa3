package dev.rbon.worker;

import java.util.function.BooleanSupplier;

/** Work done on a worker's thread with its models; {@code cancelled} turns true once nobody awaits the result. */
@FunctionalInterface
public interface WorkerTask<T> {

    T run(ModelSet models, BooleanSupplier cancelled);
}
