package dev.rbon.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Offline schema validation of every rendered kustomization: runs {@code node k8s/validate.mjs} (kubectl kustomize
 * + kubernetes-models@4, installed by the script with npm into k8s/.validate-cache). node and kubectl are tools the
 * build needs ({@code .ci/run} installs them): without them the test fails, saying which is missing.
 */
class ManifestsTest {

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void everyRenderedManifestPassesSchemaValidation() throws Exception {
        assertTrue(onPath("node"), "node is not installed (.ci/run installs nodejs): k8s/validate.mjs cannot run");
        Path log = Files.createTempFile("rbon-validate", ".log");
        Process p = new ProcessBuilder("node", "k8s/validate.mjs")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        if (!p.waitFor(4, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("k8s/validate.mjs did not finish in 4 minutes");
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        System.out.println(out);
        assertEquals(0, p.exitValue(), "k8s/validate.mjs found invalid manifests:\n" + out);
    }

    static boolean onPath(String command) {
        try {
            Process p = new ProcessBuilder(command, "--version").redirectErrorStream(true).start();
            p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
