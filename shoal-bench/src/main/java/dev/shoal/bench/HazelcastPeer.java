package dev.shoal.bench;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.cluster.Member;
import java.io.Serializable;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The peer for the throughput benchmark: Hazelcast 5.6 {@code IExecutorService} with two members
 * in two JVMs on loopback; the bench JVM's member submits no-op callables to the other one.
 */
final class HazelcastPeer {

  /** The task: does nothing, like {@code shoal.noop@1}. */
  static final class Noop implements Callable<Integer>, Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public Integer call() {
      return 0;
    }
  }

  private HazelcastPeer() {}

  /** The child JVM: one member that lives until its stdin closes. */
  public static void main(String[] args) throws Exception {
    HazelcastInstance hz = Hazelcast.newHazelcastInstance(config());
    System.out.println("member-ready");
    System.out.flush();
    while (System.in.read() >= 0) {
      // Runs until the parent closes stdin or dies.
    }
    hz.shutdown();
  }

  static Config config() {
    Config c = new Config();
    c.setClusterName("shoal-bench-" + ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(0L));
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.logging.type", "none");
    NetworkConfig net = c.getNetworkConfig();
    net.setPort(5901).setPortAutoIncrement(true);
    net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = net.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1");
    return c;
  }

  /** Tasks per second for {@code n} no-op callables sent to the other JVM's member. */
  static double throughput(int n) throws Exception {
    Process child =
        new ProcessBuilder(
                Benchmarks.javaBinary(), "-Xmx1g",
                "--add-modules", "java.se",
                "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens", "java.management/sun.management=ALL-UNNAMED",
                "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED",
                "-cp", Benchmarks.classpath(), HazelcastPeer.class.getName())
            .redirectErrorStream(true)
            .start();
    try {
      var reader = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream()));
      String line;
      while ((line = reader.readLine()) != null && !line.contains("member-ready")) {
        // Skip the child's start-up output.
      }
      // The cluster name must match the child's, which derives it from its parent: us.
      Config c = config();
      c.setClusterName("shoal-bench-" + ProcessHandle.current().pid());
      HazelcastInstance hz = Hazelcast.newHazelcastInstance(c);
      try {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (hz.getCluster().getMembers().size() < 2) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException("hazelcast members did not form a cluster");
          }
          Thread.sleep(50);
        }
        Member remote =
            hz.getCluster().getMembers().stream().filter(m -> !m.localMember()).findFirst().orElseThrow();
        IExecutorService executor = hz.getExecutorService("bench");
        run(executor, remote, 20_000);
        long t0 = System.nanoTime();
        run(executor, remote, n);
        return n / ((System.nanoTime() - t0) / 1e9);
      } finally {
        hz.shutdown();
      }
    } finally {
      child.getOutputStream().close();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
  }

  private static void run(IExecutorService executor, Member remote, int n) throws InterruptedException {
    Semaphore inFlight = new Semaphore(2_000);
    CountDownLatch done = new CountDownLatch(n);
    ExecutionCallback<Integer> callback =
        new ExecutionCallback<>() {
          @Override
          public void onResponse(Integer response) {
            inFlight.release();
            done.countDown();
          }

          @Override
          public void onFailure(Throwable t) {
            inFlight.release();
            done.countDown();
          }
        };
    Noop task = new Noop();
    for (int i = 0; i < n; i++) {
      inFlight.acquire();
      executor.submitToMember(task, remote, callback);
    }
    done.await();
  }
}
