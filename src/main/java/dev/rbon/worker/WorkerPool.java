package dev.rbon.worker;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.rbon.RbonConfig;
import dev.rbon.model.DecoderModel;
import dev.rbon.remote.RemoteBackends;
import dev.rbon.score.TokenBudget;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownDelayInitiatedEvent;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Device-bound workers behind one bounded queue. Each worker is one thread running its own decoding batch over the
 * one copy of the models its device holds ({@link DeviceModels}). Requests wait in the queue; a full queue refuses
 * at once. A request whose caller stopped waiting (deadline, disconnect) is skipped if still queued, and abandoned
 * between decoding steps if running, so the device is free for the next one.
 */
@ApplicationScoped
public class WorkerPool {

    private static final Logger LOG = Logger.getLogger(WorkerPool.class);

    /**
     * A task, the future its caller holds and the rows it will decode (0: it samples nothing). The future
     * completing early (timeout, cancel) abandons the task.
     */
    static final class Job<T> {
        private final WorkerTask<Phase<T>> task;
        private final CompletableFuture<T> result;
        private final int rows;
        private final long submittedNanos = System.nanoTime();
        private final Counter abandonedCounter;
        private final AtomicInteger inFlight;

        Job(WorkerTask<Phase<T>> task, CompletableFuture<T> result, int rows, Counter abandoned,
                AtomicInteger inFlight) {
            this.task = task;
            this.result = result;
            this.rows = rows;
            this.abandonedCounter = abandoned;
            this.inFlight = inFlight;
        }

        int rows() {
            return rows;
        }

        long submittedNanos() {
            return submittedNanos;
        }

        /** The caller gave up (deadline, disconnect) or the job is answered. */
        boolean abandoned() {
            return result.isDone();
        }

        /**
         * Runs the task's first part unless its caller already gave up. Returns its next phase (sampling or
         * scoring), or null when the job is over (answered, failed or skipped).
         */
        Phase<T> start(ModelSet models) {
            if (result.isDone()) {
                abandonedCounter.increment(); // the caller gave up while it waited
                return null;
            }
            inFlight.incrementAndGet();
            result.whenComplete((value, error) -> inFlight.decrementAndGet());
            return advance(() -> task.run(models, result::isDone));
        }

        /**
         * Runs the task's next part ({@code next}, guarded: its failure is this job's alone). Returns the phase it
         * reached, or null when that answered the job (or failed it).
         */
        Phase<T> advance(Supplier<Phase<T>> next) {
            try {
                Phase<T> phase = next.get();
                if (phase instanceof Phase.Done<T> done) {
                    result.complete(done.value());
                    return null;
                }
                return phase;
            } catch (CancellationException e) {
                abandon(e);
            } catch (RuntimeException | Error e) {
                fail(e);
            }
            return null;
        }

        /** Answers with what {@code rest} returns: the task's last part. */
        void complete(Supplier<T> rest) {
            advance(() -> Phase.done(rest.get()));
        }

        void fail(Throwable e) {
            result.completeExceptionally(e);
        }

        /** The task saw its caller give up, between two decoding steps. */
        void abandon(CancellationException e) {
            result.completeExceptionally(e);
            abandonedCounter.increment();
        }
    }

    /**
     * How long stopping waits for the workers once the grace period is over: each leaves after its current decoding
     * step or scoring chunk, which takes well under this.
     */
    public static final Duration WORKERS_STOP = Duration.ofSeconds(10);

    private final RbonConfig.Workers config;
    private final RbonConfig.Models models;
    private final Duration gracePeriod;
    private final RbonConfig.Passes passes;
    private final MeterRegistry registry;
    private final RemoteBackends remote;
    private final BlockingQueue<Job<?>> queue;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Counter abandoned;
    private final List<ModelSet> loaded = new CopyOnWriteArrayList<>();
    private final Map<String, DeviceModels> byDevice = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final Set<CompletableFuture<?>> admitted = ConcurrentHashMap.newKeySet(); // queued or running
    private volatile String loadFailure;
    private volatile boolean stopping; // new requests are refused
    private volatile boolean workersStop; // the workers leave their loops
    private boolean drained;

    public WorkerPool(RbonConfig config, MeterRegistry registry, RemoteBackends remote) {
        this.config = config.workers();
        this.models = config.models();
        this.gracePeriod = config.shutdown().gracePeriod();
        this.passes = config.passes();
        this.registry = registry;
        this.remote = remote;
        this.queue = new ArrayBlockingQueue<>(this.config.queueCapacity());
        registry.gauge("rbon.queue.depth", queue, BlockingQueue::size);
        registry.gauge("rbon.requests.in.flight", inFlight);
        this.abandoned = Counter.builder("rbon.requests.abandoned")
                .description("Requests dropped from the queue or abandoned mid-decoding after their caller gave up")
                .register(registry);
    }

    void onStart(@Observes StartupEvent event) {
        // how large a pass may grow: process-wide, before any model runs. A scoring pass runs between two decoding
        // steps, so it is also held to a step's tokens: the running rows wait for at most one pass
        int scoringTokens = Math.min(passes.scoringTokens(), config.maxBatchTokens());
        DecoderModel.attentionBlockElements(passes.attentionBlockElements());
        TokenBudget.configure(scoringTokens, passes.logitElements());
        LOG.infof("passes: attention blocks of %d elements, %d tokens per scoring pass, logit blocks of %d elements",
                passes.attentionBlockElements(), scoringTokens, passes.logitElements());
        // process-wide PyTorch threads: set before the engine first loads (an explicit -D wins)
        String threadsKey = "ai.djl.pytorch.num_threads";
        if (System.getProperty(threadsKey) == null) {
            System.setProperty(threadsKey, Integer.toString(intraOpThreads()));
        } else if (!System.getProperty(threadsKey).equals(Integer.toString(intraOpThreads()))) {
            LOG.warnf("-D%s=%s overrides rbon.workers.intra-op-threads=%d", threadsKey,
                    System.getProperty(threadsKey), intraOpThreads());
        }
        for (Device device : devices()) {
            Thread thread = new Thread(() -> work(device), "rbon-worker-" + threads.size() + "-" + device.getDeviceType()
                    + device.getDeviceId());
            thread.setDaemon(true);
            threads.add(thread);
        }
        threads.forEach(Thread::start);
    }

    /** One worker per configured GPU; {@code cpu} expands to the configured number of CPU workers. */
    List<Device> devices() {
        List<Device> devices = new ArrayList<>();
        for (String name : config.devices()) {
            String n = name.trim().toLowerCase();
            if (n.equals("auto")) {
                int gpus = Engine.getInstance().getGpuCount();
                for (int i = 0; i < gpus; i++) {
                    devices.add(Device.gpu(i));
                }
                if (gpus == 0) {
                    addCpuWorkers(devices);
                }
            } else if (n.equals("cpu")) {
                addCpuWorkers(devices);
            } else if (n.matches("gpu\\d+")) {
                devices.add(Device.gpu(Integer.parseInt(n.substring(3))));
            } else {
                throw new IllegalArgumentException("rbon.workers.devices: unknown device '" + name
                        + "' (use cpu, gpu0, gpu1, ... or auto)");
            }
        }
        return devices;
    }

    /**
     * rbon.workers.cpu-workers, else what measured best on 2 cores: a small policy's decoding steps are too short
     * for several intra-op threads to pay (default models: 30.7 requests/s with a single-threaded worker per core
     * against 22.1 with one two-threaded worker), while a real model's steps are long enough for the intra-op
     * threads to share and batch well. The workers of a device share one copy of the weights either way.
     */
    int cpuWorkers() {
        if (config.cpuWorkers().isPresent()) {
            return Math.max(1, config.cpuWorkers().get());
        }
        long weights = models.policy().url().isPresent() ? 0 : models.policy().path().map(WorkerPool::weightBytes)
                .orElse(0L);
        return weights < SMALL_POLICY_BYTES ? Runtime.getRuntime().availableProcessors() : 1;
    }

    /** Below this much policy weight, one CPU worker per core. */
    static final long SMALL_POLICY_BYTES = 256L << 20;

    /** Bytes of a model folder's safetensors files. */
    static long weightBytes(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".safetensors")).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            return 0; // loading will say what is wrong with the folder
        }
    }

    /** rbon.workers.intra-op-threads, else the cores shared among the CPU workers. */
    int intraOpThreads() {
        int cores = Runtime.getRuntime().availableProcessors();
        return config.intraOpThreads().orElse(Math.max(1, cores / cpuWorkers()));
    }

    private void addCpuWorkers(List<Device> devices) {
        for (int i = 0; i < cpuWorkers(); i++) {
            devices.add(Device.cpu());
        }
    }

    private void work(Device device) {
        String worker = Thread.currentThread().getName();
        DeviceModels shared = byDevice.computeIfAbsent(device.toString(), d -> new DeviceModels());
        ModelSet modelSet;
        try {
            modelSet = shared.join(() -> {
                long start = System.nanoTime();
                ModelSet set = ModelSet.load(models, device, remote);
                LOG.infof("%s loaded the models on %s in %d ms", worker, device, (System.nanoTime() - start) / 1_000_000);
                return set;
            });
        } catch (Exception | Error e) {
            loadFailure = worker + " could not load its models: " + e.getMessage();
            LOG.error(loadFailure, e);
            return;
        }
        loaded.add(modelSet);
        Scheduler.Limits limits = new Scheduler.Limits(config.maxBatchRows(), config.maxBatchTokens());
        try {
            new Scheduler(modelSet, queue, limits, new SchedulerMetrics(registry, worker, device.toString()),
                    () -> workersStop).run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            shared.leave();
        }
    }

    /**
     * The one copy of the models on a device, shared by the workers bound to it: the first to arrive loads it while
     * the others wait, and the last to leave closes it. The models are read-only once loaded (weights in capped
     * managers, tokenizers and templates without state), so several worker threads run them at once; everything a
     * request makes lives in its own manager.
     */
    private static final class DeviceModels {
        private ModelSet models;
        private Throwable failure;
        private int users;

        /** The device's models, loaded by the first caller; a failed load fails every worker of the device alike. */
        synchronized ModelSet join(Callable<ModelSet> load) throws Exception {
            if (models == null && failure == null) {
                try {
                    models = load.call();
                } catch (Exception | Error e) {
                    failure = e;
                }
            }
            if (failure instanceof Error error) {
                throw error;
            } else if (failure != null) {
                throw (Exception) failure;
            }
            users++;
            return models;
        }

        synchronized void leave() {
            if (--users == 0) {
                models.close();
            }
        }
    }

    /**
     * Queues {@code task} for the next free worker. The returned future fails at once with
     * {@link QueueFullException} when the queue is full; completing or cancelling it abandons the task.
     */
    public <T> CompletableFuture<T> submit(WorkerTask<T> task) {
        return submitSampling(0, (models, cancelled) -> Phase.done(task.run(models, cancelled)));
    }

    /**
     * Queues a task that may sample {@code rows} candidates in its device's shared decoding batch and score them
     * between decoding steps: its first part returns {@link Phase#sample} or {@link Phase#score}, and the scheduler
     * runs each next part when its phase is over. Otherwise as {@link #submit}.
     */
    public <T> CompletableFuture<T> submitSampling(int rows, WorkerTask<Phase<T>> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        if (stopping) {
            result.completeExceptionally(new NotReadyException("the server is shutting down"));
        } else if (!ready()) {
            result.completeExceptionally(new NotReadyException("the models are not loaded yet: " + status()));
        } else if (!queue.offer(new Job<>(task, result, rows, abandoned, inFlight))) {
            result.completeExceptionally(new QueueFullException(config.queueCapacity()));
        } else {
            admitted.add(result);
            result.whenComplete((value, error) -> admitted.remove(result));
        }
        return result;
    }

    /** SIGTERM was received: new requests are refused (503). */
    public boolean stopping() {
        return stopping;
    }

    /** Every worker has loaded every model and the server is not shutting down. */
    public boolean ready() {
        return !stopping && loadFailure == null && !threads.isEmpty() && loaded.size() == threads.size();
    }

    /** Why the pool is or is not ready, for the health probes. */
    public String status() {
        if (loadFailure != null) {
            return loadFailure;
        }
        return stopping ? "shutting down" : loaded.size() + " of " + threads.size() + " workers loaded";
    }

    /** Loading has failed: the service cannot become ready without a restart and a fixed configuration. */
    public boolean failed() {
        return loadFailure != null;
    }

    /** The loaded workers' models, for describing what runs (never for inference off their threads). */
    public List<ModelSet> loaded() {
        return List.copyOf(loaded);
    }

    public int queueDepth() {
        return queue.size();
    }

    /**
     * Quarkus fires this first thing on SIGTERM (quarkus.shutdown.delay-enabled), before its HTTP server stops taking
     * requests and long before it closes: the one moment at which the requests in flight can still be answered. The
     * observer runs on Quarkus's shutdown thread, which waits for it.
     */
    void onShutdownSignal(@Observes ShutdownDelayInitiatedEvent event) {
        drain();
    }

    /** Stopping without the signal above (tests, a build without the delay): the same steps, once. */
    void onStop(@Observes ShutdownEvent event) {
        drain();
    }

    /**
     * Stops gracefully: refuses new requests at once (503; readiness DOWN), gives the admitted ones, queued or
     * running, the grace period to finish, answers those still unfinished with 503, and waits for every worker to
     * leave. The last worker of a device closes the models it shared, so no thread is inside a model when it closes,
     * and none is in native code when the JVM exits.
     */
    synchronized void drain() {
        if (drained) {
            return;
        }
        drained = true;
        stopping = true;
        LOG.infof("shutting down: %d requests to finish within %s", admitted.size(), gracePeriod);
        awaitAdmitted(gracePeriod);
        workersStop = true; // each worker fails its unfinished requests (503) and leaves after its current step
        long deadline = System.nanoTime() + WORKERS_STOP.toNanos();
        int stopped = 0;
        for (Thread thread : threads) {
            try {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (thread.isAlive()) { // its models stay open: closing them under it would crash the JVM
                LOG.warnf("%s did not stop within %s", thread.getName(), WORKERS_STOP);
            } else {
                stopped++;
            }
        }
        for (Job<?> job; (job = queue.poll()) != null; ) {
            job.fail(new NotReadyException("the server is shutting down"));
        }
        admitted.forEach(result -> result.completeExceptionally(new NotReadyException("the server is shutting down")));
        LOG.infof("%d of %d workers stopped", stopped, threads.size());
    }

    /** Waits until every admitted request is answered, or the grace period is over. */
    private void awaitAdmitted(Duration grace) {
        try {
            CompletableFuture.allOf(admitted.toArray(CompletableFuture[]::new)).get(grace.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            LOG.warnf("%d requests unfinished after the grace period of %s: they get 503", admitted.size(), grace);
        } catch (ExecutionException e) {
            // some failed: that is their answer
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
