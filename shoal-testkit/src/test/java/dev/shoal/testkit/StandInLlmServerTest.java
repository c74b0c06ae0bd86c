package dev.shoal.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stand-in answers in OpenAI's shapes, by its documented rule. */
class StandInLlmServerTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private static StandInLlmServer server;
  private static StandInLlmServer keyed;

  @BeforeAll
  static void start() throws IOException {
    server = StandInLlmServer.start(new StandInLlmServer.Options(List.of("alpha", "beta"), 3, 0, null), 0);
    keyed = StandInLlmServer.start(new StandInLlmServer.Options(List.of("alpha"), 16, 0, "sk-test"), 0);
  }

  @AfterAll
  static void stop() {
    server.close();
    keyed.close();
  }

  private static HttpResponse<String> post(StandInLlmServer s, String path, String body, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(s.baseUrl() + path))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The JSON objects of a server-sent event stream, and whether it ended with [DONE]. */
  private record Events(List<JsonNode> chunks, boolean done) {}

  private static Events events(String body) throws IOException {
    List<JsonNode> chunks = new ArrayList<>();
    boolean done = false;
    for (String event : body.split("\n\n")) {
      assertThat(event).startsWith("data: ");
      assertThat(done).as("nothing after [DONE]").isFalse();
      String data = event.substring(6);
      if (data.equals("[DONE]")) {
        done = true;
      } else {
        chunks.add(JSON.readTree(data));
      }
    }
    return new Events(chunks, done);
  }

  @Test
  void listsItsModels() throws Exception {
    HttpResponse<String> r =
        HTTP.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/models")).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(r.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("object").asText()).isEqualTo("list");
    assertThat(body.get("data").findValuesAsText("id")).containsExactly("alpha", "beta");
    assertThat(body.get("data").get(0).get("object").asText()).isEqualTo("model");
  }

  @Test
  void aChatAnswerEchoesTheLastUserMessageWithWordCountsAsTokens() throws Exception {
    HttpResponse<String> r =
        post(server, "/chat/completions", """
            {"model": "alpha", "messages": [
              {"role": "system", "content": "be brief"},
              {"role": "user", "content": "first question"},
              {"role": "assistant", "content": "an answer"},
              {"role": "user", "content": "  what   is two plus two "}]}""");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("id").asText()).startsWith("chatcmpl-");
    assertThat(body.get("object").asText()).isEqualTo("chat.completion");
    assertThat(body.get("created").asLong()).isPositive();
    assertThat(body.get("model").asText()).isEqualTo("alpha");
    JsonNode choice = body.get("choices").get(0);
    assertThat(choice.get("index").asInt()).isZero();
    assertThat(choice.get("message").get("role").asText()).isEqualTo("assistant");
    assertThat(choice.get("message").get("content").asText()).isEqualTo("You said: what is two plus two");
    assertThat(choice.get("finish_reason").asText()).isEqualTo("stop");
    // Prompt: 2 + 2 + 2 + 5 words; answer: 7 words.
    assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(11);
    assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(7);
    assertThat(body.get("usage").get("total_tokens").asInt()).isEqualTo(18);
  }

  @Test
  void aStreamedChatSendsTheAnswerInChunksThenFinishUsageAndDone() throws Exception {
    HttpResponse<String> r =
        post(server, "/chat/completions", """
            {"model": "beta", "stream": true, "stream_options": {"include_usage": true},
             "messages": [{"role": "user", "content": "one two three four"}]}""");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
    Events e = events(r.body());
    assertThat(e.done()).isTrue();
    List<JsonNode> chunks = e.chunks();
    // role chunk, 3 content chunks (--chunks 3), finish chunk, usage chunk
    assertThat(chunks).hasSize(6);
    assertThat(chunks).allSatisfy(c -> {
      assertThat(c.get("object").asText()).isEqualTo("chat.completion.chunk");
      assertThat(c.get("model").asText()).isEqualTo("beta");
      assertThat(c.get("id").asText()).isEqualTo(chunks.get(0).get("id").asText());
    });
    assertThat(chunks.get(0).get("choices").get(0).get("delta").get("role").asText()).isEqualTo("assistant");
    StringBuilder text = new StringBuilder();
    for (JsonNode c : chunks.subList(0, 5)) {
      text.append(c.get("choices").get(0).get("delta").path("content").asText(""));
      assertThat(c.get("usage").isNull()).isTrue();
    }
    assertThat(text.toString()).isEqualTo("You said: one two three four");
    assertThat(chunks.get(3).get("choices").get(0).get("finish_reason").isNull()).isTrue();
    assertThat(chunks.get(4).get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    JsonNode usage = chunks.get(5);
    assertThat(usage.get("choices")).isEmpty();
    assertThat(usage.get("usage").get("prompt_tokens").asInt()).isEqualTo(4);
    assertThat(usage.get("usage").get("completion_tokens").asInt()).isEqualTo(6);
    assertThat(usage.get("usage").get("total_tokens").asInt()).isEqualTo(10);
  }

  @Test
  void aStreamWithoutIncludeUsageHasNoUsageChunk() throws Exception {
    HttpResponse<String> r =
        post(server, "/chat/completions", """
            {"model": "alpha", "stream": true, "messages": [{"role": "user", "content": "hi"}]}""");

    Events e = events(r.body());
    assertThat(e.done()).isTrue();
    assertThat(e.chunks()).noneMatch(c -> c.has("usage"));
    assertThat(e.chunks().getLast().get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
  }

  @Test
  void maxTokensKeepsThatManyWordsAndFinishesWithLength() throws Exception {
    HttpResponse<String> r =
        post(server, "/chat/completions", """
            {"model": "alpha", "max_tokens": 3, "messages": [{"role": "user", "content": "a b c d"}]}""");

    JsonNode body = JSON.readTree(r.body());
    assertThat(body.get("choices").get(0).get("message").get("content").asText()).isEqualTo("You said: a");
    assertThat(body.get("choices").get(0).get("finish_reason").asText()).isEqualTo("length");
    assertThat(body.get("usage").get("completion_tokens").asInt()).isEqualTo(3);
  }

  @Test
  void aCompletionAnswersThePromptPlainAndStreamed() throws Exception {
    HttpResponse<String> plain = post(server, "/completions", """
        {"model": "alpha", "prompt": "complete me"}""");
    JsonNode body = JSON.readTree(plain.body());
    assertThat(body.get("id").asText()).startsWith("cmpl-");
    assertThat(body.get("object").asText()).isEqualTo("text_completion");
    assertThat(body.get("choices").get(0).get("text").asText()).isEqualTo("You said: complete me");
    assertThat(body.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
    assertThat(body.get("usage").get("prompt_tokens").asInt()).isEqualTo(2);

    HttpResponse<String> streamed = post(server, "/completions", """
        {"model": "alpha", "prompt": "complete me", "stream": true, "stream_options": {"include_usage": true}}""");
    Events e = events(streamed.body());
    assertThat(e.done()).isTrue();
    StringBuilder text = new StringBuilder();
    for (JsonNode c : e.chunks()) {
      assertThat(c.get("object").asText()).isEqualTo("text_completion");
      if (!c.get("choices").isEmpty()) {
        text.append(c.get("choices").get(0).get("text").asText());
      }
    }
    assertThat(text.toString()).isEqualTo("You said: complete me");
    assertThat(e.chunks().getLast().get("usage").get("total_tokens").asInt()).isEqualTo(6);
  }

  @Test
  void anUnknownModelIsA404InOpenAisErrorShape() throws Exception {
    HttpResponse<String> r = post(server, "/chat/completions", """
        {"model": "gamma", "messages": [{"role": "user", "content": "hi"}]}""");

    assertThat(r.statusCode()).isEqualTo(404);
    JsonNode error = JSON.readTree(r.body()).get("error");
    assertThat(error.get("message").asText()).contains("gamma");
    assertThat(error.get("type").asText()).isEqualTo("invalid_request_error");
    assertThat(error.get("param").asText()).isEqualTo("model");
    assertThat(error.get("code").asText()).isEqualTo("model_not_found");
  }

  @Test
  void malformedRequestsAre400() throws Exception {
    assertThat(post(server, "/chat/completions", "{not json").statusCode()).isEqualTo(400);
    assertThat(post(server, "/chat/completions", "[1]").statusCode()).isEqualTo(400);
    HttpResponse<String> noMessages = post(server, "/chat/completions", """
        {"model": "alpha", "messages": []}""");
    assertThat(noMessages.statusCode()).isEqualTo(400);
    assertThat(JSON.readTree(noMessages.body()).get("error").get("param").asText()).isEqualTo("messages");
  }

  @Test
  void aConfiguredKeyIsRequiredAsABearerToken() throws Exception {
    String body = """
        {"model": "alpha", "messages": [{"role": "user", "content": "hi"}]}""";

    HttpResponse<String> none = post(keyed, "/chat/completions", body);
    HttpResponse<String> wrong = post(keyed, "/chat/completions", body, "Authorization", "Bearer sk-wrong");
    HttpResponse<String> right = post(keyed, "/chat/completions", body, "Authorization", "Bearer sk-test");

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(none.body()).get("error").get("code").asText()).isEqualTo("invalid_api_key");
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(right.statusCode()).isEqualTo(200);
  }
}
