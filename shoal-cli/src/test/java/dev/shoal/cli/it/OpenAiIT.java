package dev.shoal.cli.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import dev.shoal.testkit.StandInProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official {@code openai-java} client pointed at Shoal, as a platform engineer would: real
 * orchestrator and worker processes, and behind the worker a stand-in OpenAI-compatible server in
 * a process of its own (the one test double here: it stands for Ollama or vLLM, which are outside
 * the system). Every answer through Shoal is compared with the same request sent to the stand-in
 * directly with the same client.
 */
class OpenAiIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private static OpenAIClient client(String baseUrl) {
    // No retries: an overload must reach the test as the error it is.
    return OpenAIOkHttpClient.builder().baseUrl(baseUrl).apiKey("unused").maxRetries(0).build();
  }

  private static ChatCompletionCreateParams chat(String model, String prompt) {
    return ChatCompletionCreateParams.builder().model(model).addUserMessage(prompt).build();
  }

  private static String streamed(StreamResponse<ChatCompletionChunk> stream) {
    StringBuilder text = new StringBuilder();
    stream.stream()
        .flatMap(c -> c.choices().stream())
        .forEach(choice -> choice.delta().content().ifPresent(text::append));
    return text.toString();
  }

  @Test
  void theOfficialClientTalksToShoalAsItWouldToOpenAi() throws Exception {
    try (StandInProcess llm = StandInProcess.start("--models", "llama3.2,qwen2.5", "--chunks", "16");
        MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node o = mesh.orchestrator(null, 0, 0);
      mesh.worker(o, "gpu-1", 2, "--llm-url", llm.baseUrl(), "--llm-model", "llama3.2", "--llm-model", "qwen2.5");
      awaitWorkers(o, 1);

      OpenAIClient shoal = client(o.url() + "/v1");
      OpenAIClient direct = client(llm.baseUrl());

      List<String> models = shoal.models().list().data().stream().map(Model::id).toList();
      assertThat(models).containsExactlyInAnyOrder("llama3.2", "qwen2.5");

      // Not streamed: the same text and the upstream's own token counts.
      ChatCompletion viaShoal = shoal.chat().completions().create(chat("LLAMA3.2", "say hello to the shoal"));
      ChatCompletion viaDirect = direct.chat().completions().create(chat("llama3.2", "say hello to the shoal"));
      assertThat(viaShoal.choices().getFirst().message().content()).isEqualTo(viaDirect.choices().getFirst().message().content());
      assertThat(viaShoal.choices().getFirst().message().content().orElse("")).isNotBlank();
      assertThat(viaShoal.usage().orElseThrow().completionTokens())
          .isEqualTo(viaDirect.usage().orElseThrow().completionTokens())
          .isPositive();
      assertThat(viaShoal.usage().orElseThrow().promptTokens()).isEqualTo(viaDirect.usage().orElseThrow().promptTokens());
      assertThat(viaShoal.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);

      // Streamed: many chunks, the same text, usage at the end when asked for.
      ChatCompletionCreateParams streamParams =
          chat("qwen2.5", "stream a few words back please")
              .toBuilder()
              .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build())
              .build();
      List<ChatCompletionChunk> chunks = new ArrayList<>();
      try (StreamResponse<ChatCompletionChunk> s = shoal.chat().completions().createStreaming(streamParams)) {
        s.stream().forEach(chunks::add);
      }
      String viaShoalStreamed =
          chunks.stream()
              .flatMap(c -> c.choices().stream())
              .map(c -> c.delta().content().orElse(""))
              .reduce("", String::concat);
      String directStreamed;
      try (StreamResponse<ChatCompletionChunk> s = direct.chat().completions().createStreaming(streamParams)) {
        directStreamed = streamed(s);
      }
      assertThat(viaShoalStreamed).isEqualTo(directStreamed).isNotBlank();
      assertThat(chunks.stream().filter(c -> !c.choices().isEmpty()).count()).isGreaterThan(8);
      assertThat(chunks.getLast().usage()).isPresent();

      // The legacy completions route.
      Completion c =
          shoal.completions().create(CompletionCreateParams.builder().model("llama3.2").prompt("once upon a time").build());
      Completion d =
          direct.completions().create(CompletionCreateParams.builder().model("llama3.2").prompt("once upon a time").build());
      assertThat(c.choices().getFirst().text()).isEqualTo(d.choices().getFirst().text());

      // Errors come in OpenAI's shape, so the client raises its own typed exceptions.
      assertThatThrownBy(() -> shoal.chat().completions().create(chat("no-such-model", "hi")))
          .isInstanceOfSatisfying(
              NotFoundException.class, e -> assertThat(e.code()).contains("model_not_found"));
    }
  }

  @Test
  void whenEveryWorkerIsBusyTheClientGetsAn503WithRetryAfterNotAQueue() throws Exception {
    // Each chunk takes 200 ms upstream, so two requests hold the worker's two slots for seconds.
    try (StandInProcess llm = StandInProcess.start("--models", "slow", "--chunks", "16", "--delay-ms", "200");
        MeshProcesses mesh = new MeshProcesses(dir)) {
      MeshProcesses.Node o = mesh.orchestrator(null, 0, 0);
      mesh.worker(o, "busy", 2, "--llm-url", llm.baseUrl(), "--llm-model", "slow");
      awaitWorkers(o, 1);
      OpenAIClient shoal = client(o.url() + "/v1");

      List<CompletableFuture<ChatCompletion>> holding = new ArrayList<>();
      // Two threads of our own: the common pool may have only one on a 2-core machine.
      var callers = java.util.concurrent.Executors.newFixedThreadPool(2);
      for (int i = 0; i < 2; i++) {
        holding.add(
            CompletableFuture.supplyAsync(() -> shoal.chat().completions().create(chat("slow", "hold a slot")), callers));
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> running(o) == 2);

      assertThatThrownBy(() -> shoal.chat().completions().create(chat("slow", "one too many")))
          .isInstanceOfSatisfying(
              InternalServerException.class,
              e -> {
                assertThat(e.statusCode()).isEqualTo(503);
                assertThat(e.code()).contains("mesh_overloaded");
                assertThat(e.headers().values("Retry-After")).isNotEmpty();
              });
      for (CompletableFuture<ChatCompletion> f : holding) {
        assertThat(f.get(60, TimeUnit.SECONDS).choices()).hasSize(1);
      }
      callers.shutdown();
    } catch (OpenAIServiceException e) {
      throw new AssertionError("status " + e.statusCode() + ": " + e.body(), e);
    }
  }

  private static JsonNode get(MeshProcesses.Node o, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(HttpRequest.newBuilder(URI.create(o.url() + path)).build(), HttpResponse.BodyHandlers.ofString());
    return JSON.readTree(r.body());
  }

  private static int running(MeshProcesses.Node o) throws Exception {
    int n = 0;
    for (JsonNode w : get(o, "/v1/workers").get("workers")) {
      n += w.get("load").get("current").asInt();
    }
    return n;
  }

  static void awaitWorkers(MeshProcesses.Node o, int n) {
    await("workers connected")
        .atMost(Duration.ofSeconds(60))
        .until(() -> get(o, "/v1/workers").get("workers").size() == n);
  }
}
