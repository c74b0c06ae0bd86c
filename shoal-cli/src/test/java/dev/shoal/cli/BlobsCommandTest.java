package dev.shoal.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * 'blobs', 'jobs map-reduce', 'jobs result --partial' and task outputs kept in the data service
 * ('jobs task', 'tasks status|result'): what they refuse before asking the server, and, against a
 * stub orchestrator, what they send and how they print the answer.
 */
class BlobsCommandTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SHA = "c0".repeat(32);

  @TempDir Path dir;

  private HttpServer server;
  /** What the stub was sent, by "METHOD path". */
  private final Map<String, byte[]> received = new ConcurrentHashMap<>();

  record Cli(int exit, String out, String err) {}

  private static Cli cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = Main.run(new ByteArrayInputStream(new byte[0]), new PrintWriter(out), new PrintWriter(err), args);
    return new Cli(exit, out.toString(), err.toString());
  }

  private static String nobodyListening() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return "http://127.0.0.1:" + s.getLocalPort();
    }
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  // ---------------------------------------------------------------- refused before asking

  @Test
  void byteRangesAreInclusiveAndMayRunToTheEnd() {
    BlobsCommand.ByteRange.Converter c = new BlobsCommand.ByteRange.Converter();
    assertThat(c.convert("0-1023")).isEqualTo(new BlobsCommand.ByteRange(0, 1023L));
    assertThat(c.convert("0-1023").length()).isEqualTo(1024);
    assertThat(c.convert(" 4096- ")).isEqualTo(new BlobsCommand.ByteRange(4096, null));
    for (String bad : List.of("-5", "9-3", "a-b", "5", "", "1-2-3")) {
      assertThatThrownBy(() -> c.convert(bad)).as(bad).isInstanceOf(CommandLine.TypeConversionException.class);
    }
  }

  @Test
  void mapAttributesAreTypedAsTheOperatorsTakeThem() {
    Map<String, Object> a =
        JobsCommand.MapReduce.attributes(List.of("axis=0", "scale=0.5", "perm=1,0", "mode=fast", "neg=-3"), "--map-attr");
    assertThat(a.get("axis")).isEqualTo(0L);
    assertThat(a.get("scale")).isEqualTo(0.5);
    assertThat((long[]) a.get("perm")).containsExactly(1L, 0L);
    assertThat(a.get("mode")).isEqualTo("fast");
    assertThat(a.get("neg")).isEqualTo(-3L);
    assertThatThrownBy(() -> JobsCommand.MapReduce.attributes(List.of("axis"), "--map-attr"))
        .hasMessageContaining("--map-attr takes NAME=VALUE, got 'axis'");
  }

  @Test
  void blobsAndMapReduceRefuseWhatTheyCannotSendBeforeAskingTheServer() throws Exception {
    Cli range = cli("blobs", "get", SHA, "--range", "10-2", "--url", nobodyListening());
    assertThat(range.exit()).isEqualTo(2);
    assertThat(range.err()).contains("not a byte range");

    Cli name = cli("blobs", "get", "sha256:123", "--url", nobodyListening());
    assertThat(name.exit()).isEqualTo(2);
    assertThat(name.err()).contains("64 hex digits");

    Cli open = cli("blobs", "url", SHA, "--range", "5-", "--url", nobodyListening());
    assertThat(open.exit()).isEqualTo(2);
    assertThat(open.err()).contains("needs both ends");

    Cli ttl = cli("blobs", "url", SHA, "--ttl", "soon", "--url", nobodyListening());
    assertThat(ttl.exit()).isEqualTo(2);
    assertThat(ttl.err()).contains("'soon' is not a span");

    Cli dtype = cli("jobs", "map-reduce", "--blob", "sha256:" + SHA, "--dtype", "int64", "--shape", "8,2", "--map",
        "tensor.reduce_sum@1", "--reduce", "tensor.add@1", "--url", nobodyListening());
    assertThat(dtype.exit()).isEqualTo(2);
    assertThat(dtype.err()).contains("int64");

    Cli missing = cli("jobs", "map-reduce", "--blob", "sha256:" + SHA, "--dtype", "int32", "--shape", "8,2", "--url",
        nobodyListening());
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("--map").contains("--reduce");

    Cli file = cli("blobs", "put", dir.resolve("absent.bin").toString(), "--url", nobodyListening());
    assertThat(file.exit()).isEqualTo(1);
    assertThat(file.err()).contains("absent.bin").contains("[local_file]");
  }

  // ---------------------------------------------------------------- against a stub

  @Test
  void mapReduceSendsTheJobItDescribes() throws Exception {
    String url = stub(Map.of("POST /v1/jobs", "{\"id\": \"j7\", \"state\": \"running\", \"tasks\": 3}"));

    Cli r = cli("jobs", "map-reduce", "--blob", SHA, "--dtype", "INT32", "--shape", "8,2", "--offset", "16",
        "--chunk-rows", "4", "--map", "tensor.reduce_sum@1", "--map-attr", "axis=0", "--reduce", "tensor.add@1", "--url", url);

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).isEqualTo("j7\n");
    assertThat(JSON.readTree(received.get("POST /v1/jobs"))).isEqualTo(JSON.readTree(
        "{\"map_reduce\": {\"input\": {\"blob\": \"sha256:" + SHA + "\", \"dtype\": \"int32\", \"shape\": [8, 2],"
            + " \"offset\": 16}, \"chunk_rows\": 4, \"map\": {\"operator\": \"tensor.reduce_sum@1\","
            + " \"attributes\": {\"axis\": 0}}, \"reduce\": \"tensor.add@1\"}}"));
  }

  @Test
  void aPartialResultIsOneLinePerTaskOrJson() throws Exception {
    String url = stub(Map.of("GET /v1/jobs/j7/result", """
        {"job_id": "j7", "state": "running", "partial": true, "tasks": [
          {"id": "map-0000", "state": "succeeded", "outputs": [{"dtype": "int32", "shape": [2], "values": [3, 4]}], "error": null},
          {"id": "map-0001", "state": "succeeded",
           "outputs": [{"dtype": "float32", "shape": [1024, 512], "blob": "sha256:%s", "offset": 0}], "error": null},
          {"id": "result", "state": "waiting", "outputs": [], "error": null}]}
        """.formatted(SHA)));

    Cli text = cli("jobs", "result", "j7", "--partial", "--url", url);

    assertThat(text.exit()).as(text.err()).isZero();
    assertThat(text.out().lines().toList()).containsExactly(
        "j7  running  (partial: 2 of 3 tasks succeeded)",
        "  map-0000         succeeded  int32[2] = [3, 4]",
        "  map-0001         succeeded  float32[1024, 512] in sha256:" + SHA + "@0",
        "  result           waiting");
    JsonNode json = JSON.readTree(cli("jobs", "result", "j7", "--partial", "--json", "--url", url).out());
    assertThat(json.path("tasks").get(0).path("outputs").get(0).path("values")).isEqualTo(JSON.readTree("[3, 4]"));
    assertThat(json.path("tasks").get(1).path("outputs").get(0).path("blob").asText()).isEqualTo("sha256:" + SHA);
  }

  @Test
  void aTaskWithAnOutputKeptInTheDataServiceShowsItsReference() throws Exception {
    String url = stub(Map.of(
        "GET /v1/tasks/j6.big", """
            {"id": "j6.big", "job_id": "j6", "task_id": "big", "operator": "tensor.matmul@1", "state": "succeeded",
             "attempts": [{"attempt": 1, "peer_id": "wA", "state": "ACCEPTED", "dispatched_at": 1, "ended_at": 2}],
             "acceptance_policy": "manual",
             "acceptance": {"policy": "manual", "decided_by": "confirmed", "attempt": 1, "peer_id": "wA", "agreeing": [], "checks": []},
             "results": [{"attempt": 2, "peer_id": "wB", "checks": [],
               "outputs": [{"dtype": "int32", "shape": [1], "values": [7]}]}],
             "outputs": [{"dtype": "float32", "shape": [1024, 512], "blob": "sha256:%1$s", "offset": 64}]}
            """.formatted(SHA),
        "GET /v1/tasks/j6.big/result", """
            {"id": "j6.big", "state": "succeeded", "operator": "tensor.matmul@1", "worker": {"peer_id": "wA", "name": "a"},
             "attempt": 1, "duration_ms": 5,
             "outputs": [{"dtype": "float32", "shape": [1024, 512], "blob": "sha256:%1$s", "offset": 64},
                         {"dtype": "int32", "shape": [2], "values": [3, 4]}]}
            """.formatted(SHA)));

    for (String[] args : List.of(new String[] {"jobs", "task"}, new String[] {"tasks", "status"})) {
      Cli text = cli(args[0], args[1], "j6.big", "--url", url);
      assertThat(text.exit()).as(text.err()).isZero();
      assertThat(text.out()).contains(
          "  output 0  float32[1024, 512] in sha256:" + SHA + "@64\n",
          "  kept result: attempt 2 from wB\n    output 0  int32[1] = [7]\n");
      JsonNode json = JSON.readTree(cli(args[0], args[1], "j6.big", "--json", "--url", url).out());
      assertThat(json.path("outputs")).isEqualTo(JSON.readTree(
          "[{\"dtype\": \"float32\", \"shape\": [1024, 512], \"blob\": \"sha256:" + SHA + "\", \"offset\": 64}]"));
      assertThat(json.path("kept_results").get(0).path("outputs").get(0).path("values")).isEqualTo(JSON.readTree("[7]"));
    }

    Cli result = cli("tasks", "result", "j6.big", "--url", url);
    assertThat(result.exit()).as(result.err()).isZero();
    assertThat(JSON.readTree(result.out())).isEqualTo(JSON.readTree(
        "[{\"dtype\": \"float32\", \"shape\": [1024, 512], \"blob\": \"sha256:" + SHA + "\", \"offset\": 64},"
            + " {\"dtype\": \"int32\", \"shape\": [2], \"values\": [3, 4]}]"));
    assertThat(result.err()).isEqualTo("output float32[1024, 512] in sha256:" + SHA + "@64 is kept in the data service:"
        + " shoal blobs get sha256:" + SHA + " --range 64-" + (64 + 1024 * 512 * 4 - 1) + " -o FILE\n");
    JsonNode json = JSON.readTree(cli("tasks", "result", "j6.big", "--json", "--url", url).out());
    assertThat(json.path("outputs").get(0).path("blob").asText()).isEqualTo("sha256:" + SHA);
    assertThat(json.path("outputs").get(1).path("values")).isEqualTo(JSON.readTree("[3, 4]"));
  }

  @Test
  void putPrintsTheDigestAndStatsAndGcSayWhatHappened() throws Exception {
    String url = stub(Map.of(
        "POST /v1/blobs", "{\"sha256\": \"" + SHA + "\", \"size\": 3, \"digest\": \"sha256:" + SHA + "\"}",
        "GET /v1/data", "{\"bytes_served\": 10, \"bytes_uploaded\": 3, \"validation_bytes_read\": 0}",
        "POST /v1/blobs/gc", "{\"deleted\": 2, \"bytes_freed\": 4096, \"kept\": 5}"));
    Path file = Files.write(dir.resolve("three.bin"), new byte[] {1, 2, 3});

    assertThat(cli("blobs", "put", file.toString(), "--url", url).out()).isEqualTo("sha256:" + SHA + "\n");
    assertThat(received.get("POST /v1/blobs")).containsExactly(1, 2, 3);
    assertThat(JSON.readTree(cli("blobs", "put", file.toString(), "--json", "--url", url).out()).path("size").asLong()).isEqualTo(3);
    assertThat(cli("blobs", "stats", "--url", url).out()).isEqualTo("served 10 bytes  uploaded 3 bytes  read by validators 0 bytes\n");
    assertThat(cli("blobs", "gc", "--url", url).out()).isEqualTo("deleted 2 blobs (4096 bytes freed), kept 5\n");
  }

  /** A stub answering "METHOD path" with JSON, recording what it was sent. */
  private String stub(Map<String, String> answers) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", (HttpExchange ex) -> {
      String key = ex.getRequestMethod() + " " + ex.getRequestURI().getPath();
      received.put(key, ex.getRequestBody().readAllBytes());
      String answer = answers.get(key);
      byte[] body = (answer == null ? "{\"error\": {\"code\": \"not_found\", \"message\": \"no " + key + "\"}}" : answer)
          .getBytes(StandardCharsets.UTF_8);
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(answer == null ? 404 : 200, body.length);
      ex.getResponseBody().write(body);
      ex.close();
    });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }
}
