package dev.rbon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** This process's resident memory, from /proc (Linux). */
final class Rss {

    private Rss() {}

    /** VmRSS now, in GB. */
    static double current() {
        return field("VmRSS:");
    }

    /** VmHWM, the peak since the last {@link #resetPeak}, in GB. */
    static double peak() {
        return field("VmHWM:");
    }

    /** Writing 5 to clear_refs resets the peak RSS to the current RSS (Linux 4.0+). */
    static void resetPeak() {
        System.gc();
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException e) {
            System.out.println("(cannot reset the peak RSS: " + e.getMessage() + "; peaks are since start)");
        }
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }

    /** MemAvailable of /proc/meminfo, in bytes. */
    static long available() {
        return (long) (read("/proc/meminfo", "MemAvailable:") * 1024);
    }

    private static double field(String name) {
        return read("/proc/self/status", name) / 1e6; // kB -> GB
    }

    private static double read(String file, String name) {
        try {
            return Files.readAllLines(Path.of(file)).stream().filter(l -> l.startsWith(name))
                    .mapToDouble(l -> Double.parseDouble(l.replaceAll("[^0-9]", ""))).findFirst().orElse(-1);
        } catch (IOException e) {
            return -1;
        }
    }
}
