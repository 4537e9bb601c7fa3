package dev.rbon.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.rbon.RbonConfig;
import dev.rbon.worker.WorkerPool;
import io.smallrye.config.WithDefault;
import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The manifests and images agree with the application: the HTTP port, the health and metrics paths, and every
 * RBON_* variable they set is a key of {@link RbonConfig} (by MicroProfile's environment-variable rule), so a
 * renamed or misspelt key fails the build instead of being silently ignored in production.
 */
class ManifestsMatchAppTest {

    static final Path K8S = Path.of("k8s");
    static final ObjectMapper YAML = new YAMLMapper();

    static Properties app;
    static JsonNode deployment;
    static JsonNode container;

    @BeforeAll
    static void load() throws IOException {
        app = new Properties();
        try (Reader r = Files.newBufferedReader(Path.of("src/main/resources/application.properties"))) {
            app.load(r);
        }
        deployment = yaml(K8S.resolve("base/deployment.yaml")).get(0);
        container = deployment.at("/spec/template/spec/containers/0");
    }

    static List<JsonNode> yaml(Path file) throws IOException {
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            return YAML.readValues(parser, JsonNode.class).readAll();
        }
    }

    static int appPort() {
        return Integer.parseInt(app.getProperty("quarkus.http.port", "8080"));
    }

    @Test
    void containerPortIsTheApplicationsPort() {
        JsonNode port = container.at("/ports/0");
        assertEquals(appPort(), port.get("containerPort").asInt(), "containerPort vs quarkus.http.port");
        assertEquals("http", port.get("name").asText());
    }

    @Test
    void probesUseQuarkusHealthEndpointsOnTheHttpPort() {
        assertEquals("/q/health/started", container.at("/startupProbe/httpGet/path").asText());
        assertEquals("/q/health/ready", container.at("/readinessProbe/httpGet/path").asText());
        assertEquals("/q/health/live", container.at("/livenessProbe/httpGet/path").asText());
        for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
            assertEquals("http", container.at("/" + probe + "/httpGet/port").asText(), probe + " port");
        }
        // model loading gets minutes, not the default 30 s, before liveness may restart the pod
        JsonNode startup = container.get("startupProbe");
        assertTrue(startup.get("periodSeconds").asInt() * startup.get("failureThreshold").asInt() >= 300);
    }

    @Test
    void serviceRouteAndMonitorReachTheContainer() throws IOException {
        JsonNode service = yaml(K8S.resolve("base/service.yaml")).get(0);
        JsonNode sp = service.at("/spec/ports/0");
        assertEquals("http", sp.get("targetPort").asText());
        JsonNode route = yaml(K8S.resolve("base/httproute.yaml")).get(0);
        for (JsonNode rule : route.at("/spec/rules")) {
            for (JsonNode b : rule.get("backendRefs")) {
                assertEquals(service.at("/metadata/name").asText(), b.get("name").asText());
                assertEquals(sp.get("port").asInt(), b.get("port").asInt());
            }
        }
        JsonNode firstRule = route.at("/spec/rules/0");
        assertEquals("/v1/", firstRule.at("/matches/0/path/value").asText(), "the API is under /v1/");
        JsonNode monitor = yaml(K8S.resolve("base/servicemonitor.yaml")).get(0);
        assertEquals("/q/metrics", monitor.at("/spec/endpoints/0/path").asText());
        assertEquals("http", monitor.at("/spec/endpoints/0/port").asText());
        // the gateway waits longer than rbon's own deadline, so clients get rbon's 504 problem+json
        Duration routeTimeout = Duration.parse("PT" + firstRule.at("/timeouts/request").asText().toUpperCase());
        Duration appTimeout = Duration.parse("PT" + env().get("RBON_LIMITS_REQUEST_TIMEOUT").toUpperCase());
        assertTrue(routeTimeout.compareTo(appTimeout) > 0, "HTTPRoute timeout must exceed rbon.limits.request-timeout");
    }

    /**
     * The kubelet runs preStop, then sends SIGTERM, then kills the pod after terminationGracePeriodSeconds (counted
     * from the start). After the signal rbon drains for rbon.shutdown.grace-period, waits up to
     * {@link WorkerPool#WORKERS_STOP} for its workers, and Quarkus then waits up to quarkus.shutdown.timeout for the
     * last answers: all of it must fit, or the pod is killed mid-answer.
     */
    @Test
    void gracefulTerminationOutlastsTheDrain() throws NoSuchMethodException {
        JsonNode cmd = container.at("/lifecycle/preStop/exec/command");
        assertEquals("sleep", cmd.get(0).asText(), cmd.toString());
        long preStop = Long.parseLong(cmd.get(cmd.size() - 1).asText());
        Duration drain = duration(setting("rbon.shutdown.grace-period").orElse(
                RbonConfig.Shutdown.class.getMethod("gracePeriod").getAnnotation(WithDefault.class).value()));
        Duration answers = duration(setting("quarkus.shutdown.timeout").orElseThrow());
        long needed = preStop + drain.toSeconds() + WorkerPool.WORKERS_STOP.toSeconds() + answers.toSeconds();
        long grace = deployment.at("/spec/template/spec/terminationGracePeriodSeconds").asLong();
        assertTrue(grace > needed, "terminationGracePeriodSeconds " + grace + " must exceed preStop " + preStop
                + " s + rbon.shutdown.grace-period " + drain + " + workers' stop " + WorkerPool.WORKERS_STOP
                + " + quarkus.shutdown.timeout " + answers + " = " + needed + " s");
        assertTrue(drain.toSeconds() >= 5, "a grace period of " + drain + " leaves requests in flight no time");
    }

    /**
     * rbon's drain starts on ShutdownDelayInitiatedEvent, which Quarkus fires only with the delay enabled at build
     * time; Quarkus keeps its HTTP server open for quarkus.shutdown.timeout after it, for the drain's last answers.
     */
    @Test
    void quarkusStartsTheDrainAndWaitsForItsAnswers() {
        assertEquals("true", app.getProperty("quarkus.shutdown.delay-enabled"));
        assertTrue(duration(setting("quarkus.shutdown.timeout").orElseThrow()).toSeconds() > 0);
    }

    /** A setting as the base deployment has it: its ConfigMap's variable, else application.properties. */
    static Optional<String> setting(String key) {
        return Optional.ofNullable(env().get(envName(key))).or(() -> Optional.ofNullable(app.getProperty(key)));
    }

    /** A Quarkus duration: 30s, 500ms, 2m. */
    static Duration duration(String text) {
        return text.endsWith("ms") ? Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)))
                : Duration.parse("PT" + text.toUpperCase());
    }

    @Test
    void everyRbonVariableIsAConfigKey() throws IOException {
        Set<String> keys = configKeys();
        Map<String, String> envVarToKey = new LinkedHashMap<>();
        keys.forEach(k -> envVarToKey.put(envName(k), k));
        assertTrue(keys.contains("rbon.models.policy.path") && keys.contains("rbon.limits.request-timeout"), keys.toString());

        List<String> unknown = new ArrayList<>();
        Map<String, String> used = new LinkedHashMap<>();
        // env files of the configMapGenerators, env: of the Deployment and its patches, ENV of the images
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path f : files.filter(p -> !p.toString().contains(".validate-cache")).toList()) {
                String name = f.getFileName().toString();
                if (name.endsWith(".env")) {
                    envFile(f).keySet().forEach(k -> used.put(k, f.toString()));
                } else if (name.endsWith(".yaml")) {
                    for (JsonNode doc : yaml(f)) {
                        doc.findValues("env").forEach(list -> list.forEach(e -> used.put(e.get("name").asText(), f.toString())));
                    }
                }
            }
        }
        for (String dockerfile : List.of("Dockerfile.jvm", "Dockerfile.native")) {
            Matcher m = Pattern.compile("\\b(RBON_[A-Z0-9_]+)=").matcher(Files.readString(Path.of(dockerfile)));
            while (m.find()) {
                used.put(m.group(1), dockerfile);
            }
        }
        // variables of the entrypoint script itself, not config keys
        Set<String> scriptVars = Set.of("RBON_APP_HOME", "RBON_ONNXRUNTIME_DIR", "RBON_TMP_DIR");
        used.forEach((var, where) -> {
            if (var.startsWith("RBON_") && !scriptVars.contains(var) && !envVarToKey.containsKey(var)) {
                unknown.add(var + " (" + where + ")");
            }
        });
        assertTrue(unknown.isEmpty(), "not rbon config keys: " + unknown + "; known: " + envVarToKey.keySet());
        assertFalse(used.isEmpty());
        // the base ConfigMap names the required keys
        assertTrue(env().containsKey("RBON_MODELS_POLICY_PATH") && env().containsKey("RBON_MODELS_REWARD_PATH"));
        Path script = Path.of("src/main/docker/run-rbon.sh");
        String text = Files.readString(script);
        for (String v : scriptVars) {
            assertTrue(text.contains(v), v + " is read by " + script);
        }
    }

    /** The base configMapGenerator's variables. */
    static Map<String, String> env() {
        try {
            return envFile(K8S.resolve("base/rbon.env"));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Map<String, String> envFile(Path f) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(f)) {
            line = line.strip();
            if (!line.isEmpty() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return out;
    }

    /** MicroProfile Config: every non-alphanumeric character becomes '_', then upper case. */
    static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    /** Every key of the rbon.* tree: walked from {@link RbonConfig} (kebab-case names), plus application.properties. */
    static Set<String> configKeys() {
        Set<String> keys = new TreeSet<>();
        walk(RbonConfig.class, "rbon", keys);
        app.stringPropertyNames().stream()
                .map(k -> k.replaceFirst("^%[a-z]+\\.", ""))
                .filter(k -> k.startsWith("rbon."))
                .forEach(keys::add);
        return keys;
    }

    static void walk(Class<?> type, String prefix, Set<String> keys) {
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() != 0 || m.isDefault() || java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
                continue;
            }
            String key = prefix + "." + kebab(m.getName());
            Class<?> leaf = m.getReturnType();
            Type generic = m.getGenericReturnType();
            if (leaf == Optional.class && generic instanceof ParameterizedType pt
                    && pt.getActualTypeArguments()[0] instanceof Class<?> c) {
                leaf = c;
            }
            if (leaf.isInterface() && leaf.getDeclaringClass() == RbonConfig.class) {
                walk(leaf, key, keys);
            } else {
                keys.add(key);
            }
        }
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }
}
