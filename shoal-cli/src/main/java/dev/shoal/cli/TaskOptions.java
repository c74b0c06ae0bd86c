package dev.shoal.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.shoal.client.ServiceSpec;
import dev.shoal.client.ShoalClient;
import dev.shoal.client.TaskRequest;
import dev.shoal.client.WorkerFilter;
import dev.shoal.client.WorkerInfo;
import dev.shoal.protocol.PeerIds;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What one task is, as {@code run} and {@code tasks submit} take it: an operator, or the shorthands
 * {@code --model} (a chat) and {@code --command} (a process), or a client's {@code --service}
 * (which fixes both, and what the task pays), the text it gets, where it runs and how long it may
 * take. Tensor operators take inputs a job spec carries: {@code jobs submit}.
 */
final class TaskOptions {

  @Option(names = "--operator", paramLabel = "OP",
      description = "The operator, e.g. llm.chat@1, llm.complete@1, process.run@1"
          + " (default: process.run@1 with --command, else llm.chat@1).")
  String operator;

  @Option(names = "--model", paramLabel = "NAME",
      description = "For llm.*: a model, or a worker or service name, or a peer id; matched in the reverse order.")
  String model;

  @Option(names = "--command", paramLabel = "NAME", description = "For process.run@1: a command the worker allowlists.")
  String command;

  @Option(names = "--worker", paramLabel = "PEER_ID|NAME",
      description = "Run on this worker only (no failover); a name must belong to exactly one connected worker.")
  String worker;

  @Option(names = "--system", paramLabel = "TEXT", description = "For llm.chat@1: a system message before the prompt.")
  String system;

  @Option(names = "--stdin-file", paramLabel = "FILE",
      description = "The prompt (llm.*) or the process's standard input from FILE; '-' reads standard input.")
  String stdinFile;

  @Option(names = "--param", paramLabel = "KEY=VALUE",
      description = "For llm.*: an OpenAI request field, e.g. max_tokens=64 or temperature=0; VALUE is JSON if it parses"
          + " as JSON, else a string. Repeat for more.")
  List<String> params;

  @Option(names = "--timeout", paramLabel = "DURATION",
      description = "How long the task may run, e.g. PT30S (default: the orchestrator's, 5 minutes).")
  Duration timeout;

  @Option(names = "--max-attempts", paramLabel = "N",
      description = "Attempts allowed; a failed one fails over to another worker (default: the orchestrator's, 2).")
  Integer maxAttempts;

  @Option(names = "--service", paramLabel = "SERVICE",
      description = "Publish to this service (its id svc_… or name): only its registered workers run the task, and the"
          + " service fixes the operator and its model or command.")
  String service;

  @Option(names = "--payment", paramLabel = "CREDITS",
      description = "With --service: what the task pays, within the service's bounds (default: its minimum); held from"
          + " the client's credits until the task ends.")
  Long payment;

  @Parameters(paramLabel = "PROMPT", arity = "0..*",
      description = "The prompt, or the process's standard input; several words are joined with spaces.")
  List<String> prompt;

  /** The request these options describe; a worker name is resolved to its peer id with {@code client}. */
  TaskRequest request(ShoalClient client, InputStream stdin) {
    if (payment != null && service == null) {
      throw new IllegalArgumentException("--payment is for a task published to a service: give --service too");
    }
    // A service says what its tasks run; the request repeats it, so the prompt goes where the operator takes it.
    String serviceId = service == null ? null : ServiceNames.id(client, service, "service");
    ServiceSpec fixed = serviceId == null ? null : client.services().get(serviceId).spec();
    String model = this.model != null || fixed == null ? this.model : fixed.model();
    String command = this.command != null || fixed == null ? this.command : fixed.command();
    String operator = this.operator != null || fixed == null ? this.operator : fixed.operator();
    String op = operator != null ? operator : command != null ? TaskRequest.PROCESS_RUN : TaskRequest.LLM_CHAT;
    if (operator == null && command == null && model == null && worker == null) {
      throw new IllegalArgumentException("say what to run: --model NAME, --command NAME, --operator OP or --service SERVICE");
    }
    String text = text(stdin);
    TaskRequest.Builder b = TaskRequest.builder(op).model(model).command(command).params(params(params));
    if (fixed != null) {
      b.service(serviceId).payment(payment);
    }
    if (system != null && !op.equals(TaskRequest.LLM_CHAT)) {
      throw new IllegalArgumentException("--system is for llm.chat@1, not " + op);
    }
    switch (op) {
      case TaskRequest.LLM_CHAT -> {
        if (text == null) {
          throw new IllegalArgumentException("llm.chat@1 needs a prompt: an argument or --stdin-file");
        }
        List<TaskRequest.Message> messages = new ArrayList<>();
        if (system != null) {
          messages.add(TaskRequest.Message.system(system));
        }
        messages.add(TaskRequest.Message.user(text));
        b.messages(messages);
      }
      case TaskRequest.LLM_COMPLETE -> {
        if (text == null) {
          throw new IllegalArgumentException("llm.complete@1 needs a prompt: an argument or --stdin-file");
        }
        b.prompt(text);
      }
      case TaskRequest.PROCESS_RUN -> b.prompt(text);
      default -> {
        if (text != null) {
          throw new IllegalArgumentException(op + " takes no prompt; tensor inputs go in a job: shoal jobs submit");
        }
      }
    }
    if (worker != null) {
      b.worker(peerId(client, worker));
    }
    if (timeout != null) {
      b.timeoutMs(timeout.toMillis());
    }
    return b.maxAttempts(maxAttempts).build();
  }

  /** The prompt arguments or the --stdin-file's content; null if neither was given. */
  private String text(InputStream stdin) {
    if (stdinFile == null) {
      return prompt == null || prompt.isEmpty() ? null : String.join(" ", prompt);
    }
    if (prompt != null && !prompt.isEmpty()) {
      throw new IllegalArgumentException("give the prompt as an argument or with --stdin-file, not both");
    }
    try {
      return "-".equals(stdinFile)
          ? new String(stdin.readAllBytes(), StandardCharsets.UTF_8)
          : Files.readString(Path.of(stdinFile), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("stdin-file: cannot read " + stdinFile + ": " + e.getMessage(), e);
    }
  }

  /** {@code --param k=v}s as JSON values: numbers and lists need no quoting, plain words stay strings. */
  static Map<String, Object> params(List<String> given) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (String p : given == null ? List.<String>of() : given) {
      int eq = p.indexOf('=');
      if (eq < 1) {
        throw new IllegalArgumentException("--param must be KEY=VALUE, got '" + p + "'");
      }
      String value = p.substring(eq + 1);
      Object parsed;
      try {
        // Trailing tokens fail: "1 2" is text, not the number 1.
        parsed = ClientOptions.JSON.readerFor(Object.class)
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS).readValue(value);
      } catch (JsonProcessingException e) {
        parsed = value;
      }
      out.put(p.substring(0, eq), parsed);
    }
    return out;
  }

  /**
   * The peer id to pin to: the API pins by peer id only, the one identity that is verified. A
   * name is self-declared, so it must pick out exactly one connected worker; a well-formed id is
   * sent as it is (a worker may not hide behind a name that looks like another's id).
   */
  static String peerId(ShoalClient client, String peerIdOrName) {
    if (PeerIds.isWellFormed(peerIdOrName)) {
      return peerIdOrName;
    }
    List<WorkerInfo> named =
        client.workers().list(WorkerFilter.ALL).stream()
            .filter(w -> w.name().toLowerCase(Locale.ROOT).equals(peerIdOrName.toLowerCase(Locale.ROOT)))
            .toList();
    if (named.isEmpty()) {
      throw new IllegalArgumentException("no connected worker is named '" + peerIdOrName + "' ('shoal workers' lists them)");
    }
    if (named.size() > 1) {
      throw new IllegalArgumentException(named.size() + " workers are named '" + peerIdOrName + "': "
          + String.join(", ", named.stream().map(WorkerInfo::peerId).toList()) + "; give a peer id");
    }
    return named.getFirst().peerId();
  }
}
