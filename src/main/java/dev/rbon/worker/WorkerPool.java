package dev.rbon.worker;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.rbon.RbonConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Device-bound workers behind one bounded queue. Each worker is one thread that loads its own copy of the models
 * onto its device and is the only thread that touches them; requests wait in the queue, and a full queue refuses
 * at once rather than letting waiters pile up.
 */
@ApplicationScoped
public class WorkerPool {

    private static final Logger LOG = Logger.getLogger(WorkerPool.class);

    /** A task and the future its caller holds. */
    private record Job<T>(Function<ModelSet, T> task, CompletableFuture<T> result) {
        void run(ModelSet models) {
            try {
                result.complete(task.apply(models));
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        }
    }

    private final RbonConfig config;
    private final BlockingQueue<Job<?>> queue;
    private final List<ModelSet> loaded = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private volatile String loadFailure;
    private volatile boolean stopping;

    public WorkerPool(RbonConfig config) {
        this.config = config;
        this.queue = new ArrayBlockingQueue<>(config.workers().queueCapacity());
    }

    void onStart(@Observes StartupEvent event) {
        List<Device> devices = devices(config.workers().devices());
        for (Device device : devices) {
            Thread thread = new Thread(() -> work(device), "rbon-worker-" + device);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    static List<Device> devices(List<String> names) {
        List<Device> devices = new ArrayList<>();
        for (String name : names) {
            String n = name.trim().toLowerCase();
            if (n.equals("auto")) {
                int gpus = Engine.getInstance().getGpuCount();
                for (int i = 0; i < gpus; i++) {
                    devices.add(Device.gpu(i));
                }
                if (gpus == 0) {
                    devices.add(Device.cpu());
                }
            } else if (n.equals("cpu")) {
                devices.add(Device.cpu());
            } else if (n.matches("gpu\\d+")) {
                devices.add(Device.gpu(Integer.parseInt(n.substring(3))));
            } else {
                throw new IllegalArgumentException("rbon.workers.devices: unknown device '" + name
                        + "' (use cpu, gpu0, gpu1, ... or auto)");
            }
        }
        return devices;
    }

    private void work(Device device) {
        ModelSet models;
        try {
            long start = System.nanoTime();
            models = ModelSet.load(config.models(), device);
            LOG.infof("worker on %s loaded its models in %d ms", device, (System.nanoTime() - start) / 1_000_000);
        } catch (Exception | Error e) {
            loadFailure = "worker on " + device + " could not load its models: " + e.getMessage();
            LOG.error(loadFailure, e);
            return;
        }
        loaded.add(models);
        try (models) {
            while (!stopping) {
                queue.take().run(models);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code task} on the next free worker; fails at once with {@link QueueFullException} when the queue is. */
    public <T> CompletionStage<T> submit(Function<ModelSet, T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (!queue.offer(new Job<>(task, result))) {
            result.completeExceptionally(new QueueFullException(config.workers().queueCapacity()));
        }
        return result;
    }

    /** Every worker has loaded every model. */
    public boolean ready() {
        return !stopping && loadFailure == null && !threads.isEmpty() && loaded.size() == threads.size();
    }

    /** Why the pool is not ready, for the readiness probe. */
    public String status() {
        if (loadFailure != null) {
            return loadFailure;
        }
        return stopping ? "draining" : loaded.size() + " of " + threads.size() + " workers loaded";
    }

    /** The models of the first loaded worker, for describing what runs (never for inference off its thread). */
    public List<ModelSet> loaded() {
        return List.copyOf(loaded);
    }

    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        threads.forEach(Thread::interrupt);
    }
}
