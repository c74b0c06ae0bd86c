package dev.shoal.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The gateway benchmark's harness in its smoke mode: a few requests of every kind, direct and
 * through a real orchestrator and worker, each in its own JVM, so a change that breaks the
 * harness (or the gateway it measures) shows in a normal build, not first in a benchmark run.
 */
class GatewayBenchmarksSmokeTest {

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  @SuppressWarnings("unchecked")
  void everyMeasurementRunsAgainstTheUpstreamAndThroughShoal() throws Exception {
    Map<String, Object> results = GatewayBenchmarks.run(GatewayBenchmarks.Settings.SMOKE);

    for (String row : List.of("streaming_time_to_first_token", "streaming_16_chunks_to_done", "non_streaming")) {
      Map<String, Object> r = (Map<String, Object>) results.get(row);
      assertThat(r).as(row).containsKeys("added_p50_ms", "added_p99_ms", "met");
      assertThat((Map<String, Object>) r.get("direct_us")).as(row).extractingByKey("p50").isNotEqualTo(0L);
      assertThat((Map<String, Object>) r.get("shoal_us")).as(row).extractingByKey("p50").isNotEqualTo(0L);
    }
    Map<String, Object> ttft = (Map<String, Object>) results.get("streaming_time_to_first_token");
    Map<String, Object> done = (Map<String, Object>) results.get("streaming_16_chunks_to_done");
    // A stream's first token comes before its end, on both paths.
    assertThat((long) ((Map<String, Object>) ttft.get("shoal_us")).get("p50"))
        .isLessThanOrEqualTo((long) ((Map<String, Object>) done.get("shoal_us")).get("p50"));
    for (String row : List.of("throughput_non_streaming", "throughput_streaming")) {
      Map<String, Object> r = (Map<String, Object>) results.get(row);
      assertThat((long) r.get("direct_req_per_s")).as(row).isPositive();
      assertThat((long) r.get("shoal_req_per_s")).as(row).isPositive();
    }
    Map<String, Object> parts = (Map<String, Object>) results.get("decomposition");
    for (String part : List.of("upstream_get_models_us", "shoal_get_health_us", "shoal_noop_task_run_us")) {
      assertThat((Map<String, Object>) parts.get(part)).as(part).extractingByKey("p50").isNotEqualTo(0L);
    }
    Map<String, Map<String, Object>> cpu = (Map<String, Map<String, Object>>) results.get("cpu_and_voluntary_switches_per_request");
    assertThat(cpu).containsOnlyKeys("not streamed, direct", "not streamed, Shoal", "streamed, direct", "streamed, Shoal");
    assertThat(cpu.get("not streamed, Shoal")).containsKeys("orchestrator_cpu_us", "worker_cpu_us", "all_voluntary_switches");
    assertThat(results).containsKeys("load_average_at_start", "load_average_at_end", "processes", "client_pool_race_retries");
  }
}
