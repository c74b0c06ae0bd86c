package dev.shoal.cli;

import dev.shoal.client.ShoalClient;
import dev.shoal.client.ShoalException;
import dev.shoal.client.StreamEvent;
import dev.shoal.client.TaskRequest;
import dev.shoal.client.TaskResult;
import dev.shoal.client.TaskStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Chats with a model, printing its answer as it is written; without a prompt, a conversation. */
@Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    description = {
      "Chats with a model (llm.chat@1), printing the answer as it is written.",
      "Without PROMPT: a conversation, one message per line of standard input, the",
      "history kept; it ends at end of input or with /exit.",
      "Streamed text is provisional: the answer is checked once it is complete."
    })
final class ChatCommand implements Callable<Integer> {

  @Mixin ClientOptions client;
  @Spec CommandSpec spec;

  @Option(names = "--model", paramLabel = "NAME",
      description = "A model, or a worker or service name, or a peer id; matched in the reverse order.")
  String model;

  @Option(names = "--worker", paramLabel = "PEER_ID|NAME",
      description = "Chat with this worker only; a name must belong to exactly one connected worker.")
  String worker;

  @Option(names = "--system", paramLabel = "TEXT", description = "A system message that starts the conversation.")
  String system;

  @Option(names = "--param", paramLabel = "KEY=VALUE",
      description = "An OpenAI request field, e.g. max_tokens=64 or temperature=0; VALUE is JSON if it parses. Repeat for more.")
  List<String> params;

  @Option(names = "--timeout", paramLabel = "DURATION", description = "How long each answer may take, e.g. PT2M.")
  Duration timeout;

  @Parameters(paramLabel = "PROMPT", arity = "0..*", description = "One message to send; several words are joined with spaces.")
  List<String> prompt;

  @Override
  public Integer call() throws IOException {
    if (model == null && worker == null) {
      throw new IllegalArgumentException("say whom to chat with: --model NAME or --worker PEER_ID|NAME");
    }
    List<TaskRequest.Message> history = new ArrayList<>();
    if (system != null) {
      history.add(TaskRequest.Message.system(system));
    }
    try (ShoalClient c = client.connect()) {
      String peerId = worker == null ? null : TaskOptions.peerId(c, worker);
      if (prompt != null && !prompt.isEmpty()) {
        history.add(TaskRequest.Message.user(String.join(" ", prompt)));
        turn(c, peerId, history);
        return 0;
      }
      return converse(c, peerId, history);
    }
  }

  /** One line, one turn; a failed turn is reported and left out of the history, so the user can retry it. */
  private int converse(ShoalClient c, String peerId, List<TaskRequest.Message> history) throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    boolean terminal = System.console() != null && Main.stdin(spec) == System.in;
    BufferedReader lines = new BufferedReader(new InputStreamReader(Main.stdin(spec), StandardCharsets.UTF_8));
    int failed = 0;
    while (true) {
      if (terminal) {
        err.print("> ");
        err.flush();
      }
      String line = lines.readLine();
      if (line == null || line.strip().equals("/exit")) {
        return failed == 0 ? 0 : 1;
      }
      if (line.isBlank()) {
        continue;
      }
      history.add(TaskRequest.Message.user(line));
      try {
        turn(c, peerId, history);
      } catch (ShoalException e) {
        history.removeLast();
        failed++;
        err.println("shoal: " + Main.message(e));
        err.flush();
      }
    }
  }

  /** Streams the answer to {@code history}'s last message and adds it to the history. */
  private void turn(ShoalClient c, String peerId, List<TaskRequest.Message> history) {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    TaskRequest.Builder b =
        TaskRequest.builder(TaskRequest.LLM_CHAT).model(model).worker(peerId).messages(history)
            .params(TaskOptions.params(params));
    if (timeout != null) {
      b.timeoutMs(timeout.toMillis());
    }
    TaskResult result = null;
    boolean printed = false;
    try (TaskStream stream = c.tasks().stream(b.build())) {
      for (StreamEvent e : stream) {
        switch (e) {
          case StreamEvent.Chunk k when !client.json -> {
            PrintWriter to = k.channel() == StreamEvent.Channel.STDERR ? err : out;
            to.print(k.text());
            to.flush(); // a token is worth showing the moment it arrives
            printed |= to == out && !k.text().isEmpty();
          }
          case StreamEvent.Result r -> result = r.result();
          case StreamEvent.Error x -> throw x.exception();
          default -> {
            // Started, and chunks under --json, which prints the checked answer only.
          }
        }
      }
    }
    if (result == null) {
      throw new dev.shoal.client.ConnectionException("the stream ended before the answer", null);
    }
    if (client.json) {
      out.println(ClientOptions.toJsonLine(RunCommand.asJson(result))); // one line per turn: JSON Lines
    } else {
      // A worker that does not stream sends the whole answer in the result.
      if (!printed && result.text() != null) {
        out.print(result.text());
      }
      out.println();
    }
    out.flush();
    history.add(TaskRequest.Message.assistant(result.text() == null ? "" : result.text()));
  }
}
