package dev.shoal.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The data benchmark's harness in its smoke mode: a few MiB over raw TCP and through a real
 * orchestrator's data service, and a two-task relu batch run by a real worker, each in its own
 * JVM, so that a change that breaks the harness (or the data path it measures) shows in a normal
 * build, not first in a benchmark run. The numbers mean nothing.
 */
class DataBenchmarksSmokeTest {

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  @SuppressWarnings("unchecked")
  void movesTheSameBytesEveryWayAndCountsTheValidationReads() throws Exception {
    DataBenchmarks.Settings s = DataBenchmarks.Settings.SMOKE;
    Map<String, Object> results = DataBenchmarks.run(s);

    Map<String, Object> transfer = (Map<String, Object>) results.get("transfer");
    for (String column : List.of("raw_tcp", "shoal_transfer", "shoal_data_fetcher", "sha256_in_memory")) {
      assertThat((long) ((Map<String, Object>) transfer.get(column)).get("mb_per_s")).as(column).isPositive();
    }
    assertThat(transfer).containsKeys("ratio_transfer_to_raw", "ratio_verified_fetch_to_raw", "met");

    Map<String, Object> egress = (Map<String, Object>) results.get("validation_egress");
    long outputs = (long) s.reluItems() * s.reluElements() * 4;
    assertThat(egress.get("output_bytes")).isEqualTo(outputs);
    // Every output was over the inline limit, so the worker uploaded each one.
    assertThat((long) egress.get("bytes_uploaded")).isGreaterThanOrEqualTo(outputs);
    // Every result is validated, and a stored output has to be read to be checked at all.
    assertThat((long) egress.get("validation_bytes_read")).isPositive();
    assertThat(results).containsKeys("load_average_at_start", "load_average_at_end");
  }
}
