package dev.shoal.worker.internal;

import dev.shoal.protocol.v1.Hardware;
import dev.shoal.protocol.v1.Load;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/** What this machine is and how busy it is, as the JVM can measure it. */
public final class HardwareFacts {

  private HardwareFacts() {}

  public static Hardware measure() {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    long memory = Runtime.getRuntime().maxMemory();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      memory = sun.getTotalMemorySize();
    }
    return Hardware.newBuilder()
        .setArch(System.getProperty("os.arch", "unknown"))
        .setOs(System.getProperty("os.name", "unknown") + " " + System.getProperty("os.version", ""))
        .setCores(Runtime.getRuntime().availableProcessors())
        .setMemoryBytes(memory)
        .build();
  }

  public static Load load(int running, int capacity) {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    double avg = os.getSystemLoadAverage();
    long free = Runtime.getRuntime().freeMemory();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      free = sun.getFreeMemorySize();
    }
    return Load.newBuilder()
        .setRunningTasks(running)
        .setFreeSlots(Math.max(0, capacity - running))
        .setCpuLoad(avg < 0 ? 0 : avg / Math.max(1, os.getAvailableProcessors()))
        .setFreeMemoryBytes(free)
        .build();
  }
}
