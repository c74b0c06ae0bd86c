package dev.shoal.client;

import dev.shoal.operators.Tensor;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One task to run on one worker without writing a job (API.md, "Tasks"). Which fields apply
 * depends on the operator: {@code model}, {@code messages}, {@code prompt} and {@code params} for
 * {@code llm.*}; {@code prompt} (stdin) and {@code command} for {@code process.run@1}; {@code
 * inputs} and {@code attributes} for tensor operators. Null or empty means "not sent": the
 * orchestrator's default applies. Immutable; start from {@link #chat}, {@link #complete}, {@link
 * #process}, {@link #tensor}, {@link #builder} or, for a client's service, {@link #forService}.
 *
 * @param worker a peer id to pin the task to: no failover to another worker
 * @param model a peer id, worker or service name, or model name, matched in that order; required
 *     for {@code llm.*} unless {@code worker} is given
 * @param params more OpenAI request fields passed to the upstream ({@code max_tokens},
 *     {@code temperature}, ...), as JSON values
 * @param webhook where to report the end; only for {@code tasks().submitAsync}
 * @param service a service's id ({@code svc_…}): the task goes only to workers registered to it,
 *     and takes its operator, model or command and acceptance policy from it (the operator may
 *     then be left out; naming different ones is refused)
 * @param payment credits the task pays, within the service's bounds (its minimum when null):
 *     held from the publishing client's balance until the task ends, then paid for the accepted
 *     result or refunded; only with {@code service}
 */
public record TaskRequest(
    String operator,
    String worker,
    String model,
    List<Message> messages,
    String prompt,
    Map<String, Object> params,
    String command,
    List<Tensor> inputs,
    Map<String, Object> attributes,
    Long timeoutMs,
    Integer maxAttempts,
    String acceptance,
    Webhook webhook,
    String service,
    Long payment) {

  public static final String LLM_CHAT = "llm.chat@1";
  public static final String LLM_COMPLETE = "llm.complete@1";
  public static final String PROCESS_RUN = "process.run@1";

  /** Longest {@code timeout_ms} the orchestrator takes: one day. */
  public static final long MAX_TIMEOUT_MS = 86_400_000L;

  public TaskRequest {
    if (operator == null && service == null || operator != null && operator.isBlank()) {
      throw new IllegalArgumentException("operator is required, unless the task goes to a service");
    }
    if (payment != null && service == null) {
      throw new IllegalArgumentException("payment is for a task published to a service");
    }
    if (payment != null && payment < 0) {
      throw new IllegalArgumentException("payment must not be negative, got " + payment);
    }
    messages = messages == null ? List.of() : List.copyOf(messages);
    params = params == null ? Map.of() : Attributes.jsonObject("params", params);
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    attributes = attributes == null ? Map.of() : Attributes.tensorAttributes(attributes);
    if (timeoutMs != null && (timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS)) {
      throw new IllegalArgumentException("timeoutMs must be in 1.." + MAX_TIMEOUT_MS + ", got " + timeoutMs);
    }
    if (maxAttempts != null && maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
    }
  }

  /** A chat with {@code model}: {@code llm.chat@1} with these messages. */
  public static TaskRequest chat(String model, Message... messages) {
    return builder(LLM_CHAT).model(model).messages(List.of(messages)).build();
  }

  /** A chat with {@code model} of one user message. */
  public static TaskRequest chat(String model, String userMessage) {
    return chat(model, Message.user(userMessage));
  }

  /** A completion of {@code prompt} by {@code model}: {@code llm.complete@1}. */
  public static TaskRequest complete(String model, String prompt) {
    return builder(LLM_COMPLETE).model(model).prompt(prompt).build();
  }

  /**
   * An allowlisted command on a worker, {@code process.run@1}, with {@code stdin} (may be null);
   * files it leaves in its output folder come back as artifacts.
   */
  public static TaskRequest process(String command, String stdin) {
    return builder(PROCESS_RUN).command(command).prompt(stdin).build();
  }

  /** A tensor operator on these inputs. */
  public static TaskRequest tensor(String operator, Tensor... inputs) {
    return builder(operator).inputs(List.of(inputs)).build();
  }

  public static Builder builder(String operator) {
    return new Builder(operator);
  }

  /**
   * A task for the service with id {@code serviceId}, whose operator (and model or command) the
   * orchestrator fills in; give it its input: {@code prompt} for {@code process.run@1} and {@code
   * llm.complete@1}, {@code messages} for {@code llm.chat@1}.
   */
  public static Builder forService(String serviceId) {
    return new Builder(null).service(serviceId);
  }

  public Builder toBuilder() {
    Builder b = new Builder(operator);
    b.worker = worker;
    b.model = model;
    b.messages = messages;
    b.prompt = prompt;
    b.params = params;
    b.command = command;
    b.inputs = inputs;
    b.attributes = attributes;
    b.timeoutMs = timeoutMs;
    b.maxAttempts = maxAttempts;
    b.acceptance = acceptance;
    b.webhook = webhook;
    b.service = service;
    b.payment = payment;
    return b;
  }

  /** This task pinned to the worker with {@code peerId}. */
  public TaskRequest withWorker(String peerId) {
    return toBuilder().worker(peerId).build();
  }

  public TaskRequest withModel(String v) {
    return toBuilder().model(v).build();
  }

  /** Reported to {@code url} when it ends, signed with {@code secret} (null: the orchestrator's own secret). */
  public TaskRequest withWebhook(URI url, String secret) {
    return toBuilder().webhook(new Webhook(url, secret)).build();
  }

  public TaskRequest withTimeoutMs(long v) {
    return toBuilder().timeoutMs(v).build();
  }

  public TaskRequest withMaxAttempts(int v) {
    return toBuilder().maxAttempts(v).build();
  }

  /** This task published to the service {@code serviceId}, which must agree with its operator and config. */
  public TaskRequest withService(String serviceId) {
    return toBuilder().service(serviceId).build();
  }

  /** This service task paying {@code credits}, within the service's bounds. */
  public TaskRequest withPayment(long credits) {
    return toBuilder().payment(credits).build();
  }

  /** One OpenAI chat message. */
  public record Message(String role, String content) {
    public Message {
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(content, "content");
    }

    public static Message system(String content) {
      return new Message("system", content);
    }

    public static Message user(String content) {
      return new Message("user", content);
    }

    public static Message assistant(String content) {
      return new Message("assistant", content);
    }
  }

  /**
   * Where the orchestrator reports the task's end: an http(s) URL, and the secret it signs with
   * (16..256 characters), or null for the orchestrator's {@code --webhook-secret-file}.
   */
  public record Webhook(URI url, String secret) {
    public Webhook {
      Objects.requireNonNull(url, "url");
      if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
        throw new IllegalArgumentException("webhook url must be an http(s) URL with a host, got " + url);
      }
      if (secret != null && (secret.length() < 16 || secret.length() > 256)) {
        throw new IllegalArgumentException("webhook secret must have 16..256 characters, got " + secret.length());
      }
    }

    /** Never shows the secret. */
    @Override
    public String toString() {
      return "Webhook[url=" + url + ", secret=" + (secret == null ? "the orchestrator's" : "***") + "]";
    }
  }

  /** Sets any field; {@link #build()} validates. */
  public static final class Builder {
    private final String operator;
    private String worker;
    private String model;
    private List<Message> messages;
    private String prompt;
    private Map<String, ?> params;
    private String command;
    private List<Tensor> inputs;
    private Map<String, ?> attributes;
    private Long timeoutMs;
    private Integer maxAttempts;
    private String acceptance;
    private Webhook webhook;
    private String service;
    private Long payment;

    private Builder(String operator) {
      this.operator = operator;
    }

    public Builder worker(String v) { worker = v; return this; }
    public Builder model(String v) { model = v; return this; }
    public Builder messages(List<Message> v) { messages = v; return this; }
    public Builder prompt(String v) { prompt = v; return this; }
    public Builder params(Map<String, ?> v) { params = v; return this; }
    public Builder command(String v) { command = v; return this; }
    public Builder inputs(List<Tensor> v) { inputs = v; return this; }
    public Builder attributes(Map<String, ?> v) { attributes = v; return this; }
    public Builder timeoutMs(Long v) { timeoutMs = v; return this; }
    public Builder maxAttempts(Integer v) { maxAttempts = v; return this; }
    /** {@code "first_valid"} (default), {@code "quorum(k of n)"} or {@code "manual"}. */
    public Builder acceptance(String v) { acceptance = v; return this; }
    public Builder webhook(Webhook v) { webhook = v; return this; }
    public Builder service(String v) { service = v; return this; }
    public Builder payment(Long v) { payment = v; return this; }

    @SuppressWarnings("unchecked")
    public TaskRequest build() {
      return new TaskRequest(
          operator, worker, model, messages, prompt, (Map<String, Object>) params, command, inputs,
          (Map<String, Object>) attributes, timeoutMs, maxAttempts, acceptance, webhook, service, payment);
    }
  }
}
