package dev.shoal.worker.internal;

import dev.shoal.protocol.v1.Accelerator;
import dev.shoal.protocol.v1.Hardware;
import dev.shoal.protocol.v1.Load;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.List;

/** What this machine is and how busy it is, as the JVM can measure it. Thread-safe. */
public final class HardwareFacts {

  private HardwareFacts() {}

  /**
   * Architecture, OS, cores and physical memory of this machine (max heap when the JVM cannot
   * tell), plus the configured accelerators: the JVM cannot discover those itself.
   */
  public static Hardware measure(List<Accelerator> accelerators) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    long memory = Runtime.getRuntime().maxMemory();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun && sun.getTotalMemorySize() > 0) {
      memory = sun.getTotalMemorySize();
    }
    return Hardware.newBuilder()
        .setArch(clip(System.getProperty("os.arch", "unknown"), 64))
        .setOs(clip((System.getProperty("os.name", "unknown") + " " + System.getProperty("os.version", "")).trim(), 128))
        .setCores(Runtime.getRuntime().availableProcessors())
        .setMemoryBytes(memory)
        .addAllAccelerators(accelerators)
        .build();
  }

  /** Load now: slots in use, one-minute load average per core (0 when unknown), free memory. */
  public static Load load(int running, int capacity) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    double avg = os.getSystemLoadAverage();
    long free = Runtime.getRuntime().freeMemory();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      free = sun.getFreeMemorySize();
    }
    double cpu = avg < 0 || Double.isNaN(avg) ? 0 : avg / Math.max(1, os.getAvailableProcessors());
    return Load.newBuilder()
        .setRunningTasks(running)
        .setFreeSlots(Math.max(0, capacity - running))
        // The orchestrator refuses a heartbeat whose cpu_load is above 1000.
        .setCpuLoad(Math.min(cpu, 1_000))
        .setFreeMemoryBytes(Math.max(0, free))
        .build();
  }

  private static String clip(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max);
  }
}
