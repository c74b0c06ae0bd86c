package dev.shoal.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time and sleeps of one process and of each of its threads, to say which JVM, and which of
 * its threads, a request's time goes to. A sleep is a voluntary context switch: a thread waiting
 * until another wakes it, i.e. one hand-over between threads; preemptions are left out, as they
 * depend on the load. Per-thread figures come from Linux's /proc (none elsewhere) and count
 * only threads alive at the second reading. Immutable.
 *
 * @param cpuNanos the whole process's CPU time
 * @param threads by thread id
 */
record ThreadCounters(long cpuNanos, Map<String, ThreadCounters.Thread> threads) {

  /** Linux reports thread CPU in clock ticks of 1/USER_HZ s; USER_HZ is 100 on every x86 kernel. */
  private static final long NANOS_PER_TICK = 10_000_000;

  /** One thread: its name (Linux keeps 15 characters), CPU ticks and sleeps so far. */
  record Thread(String name, long cpuTicks, long sleeps) {}

  /** Reads {@code process} now. */
  static ThreadCounters of(ProcessHandle process) throws IOException {
    long cpu =
        process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException("no CPU time for " + process.pid())).toNanos();
    Map<String, Thread> threads = new HashMap<>();
    Path tasks = Path.of("/proc", String.valueOf(process.pid()), "task");
    if (Files.isDirectory(tasks)) {
      try (var dirs = Files.newDirectoryStream(tasks)) {
        for (Path t : dirs) {
          try {
            threads.put(t.getFileName().toString(), read(t));
          } catch (NoSuchFileException e) {
            // The thread ended between listing and reading.
          }
        }
      }
    }
    return new ThreadCounters(cpu, threads);
  }

  private static Thread read(Path task) throws IOException {
    String stat = Files.readString(task.resolve("stat"));
    // "tid (name) state ppid ...": the name may hold spaces and parentheses, so cut at the last ')'.
    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
    long sleeps = 0;
    for (String line : Files.readAllLines(task.resolve("status"))) {
      if (line.startsWith("voluntary_ctxt_switches:")) {
        sleeps = Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
      }
    }
    return new Thread(name, ticks, sleeps);
  }

  /** Sleeps since {@code before} of the threads alive now. */
  long sleepsSince(ThreadCounters before) {
    long sum = 0;
    for (Map.Entry<String, Thread> t : threads.entrySet()) {
      Thread was = before.threads.get(t.getKey());
      sum += t.getValue().sleeps() - (was == null ? 0 : was.sleeps());
    }
    return sum;
  }

  /**
   * CPU nanoseconds and sleeps since {@code before} by group of threads, a group being the
   * threads whose names differ only in trailing digits ({@code ForkJoinPool-1-} for all carriers
   * of virtual threads); groups with nothing to show are left out.
   */
  Map<String, long[]> byGroupSince(ThreadCounters before) {
    Map<String, long[]> out = new TreeMap<>();
    for (Map.Entry<String, Thread> t : threads.entrySet()) {
      Thread now = t.getValue();
      Thread was = before.threads.getOrDefault(t.getKey(), new Thread(now.name(), 0, 0));
      long cpu = (now.cpuTicks() - was.cpuTicks()) * NANOS_PER_TICK;
      long sleeps = now.sleeps() - was.sleeps();
      if (cpu == 0 && sleeps == 0) {
        continue;
      }
      long[] group = out.computeIfAbsent(now.name().replaceAll("[0-9]+$", "*"), k -> new long[2]);
      group[0] += cpu;
      group[1] += sleeps;
    }
    return out;
  }
}
