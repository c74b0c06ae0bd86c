package dev.shoal.client.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.client.ApiKey;
import dev.shoal.client.DelegateScope;
import dev.shoal.client.Input;
import dev.shoal.client.JobRequest;
import dev.shoal.client.ServiceSpec;
import dev.shoal.client.StoredTensor;
import dev.shoal.client.TaskRequest;
import dev.shoal.client.TaskSpec;
import dev.shoal.operators.Tensor;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Requests in the API's JSON (snake_case; what is null or empty is left out, so the orchestrator's default applies). */
public final class Encoding {

  private final ObjectMapper mapper;

  public Encoding(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  public ObjectNode task(TaskRequest r) {
    ObjectNode o = mapper.createObjectNode();
    putText(o, "operator", r.operator());
    putText(o, "worker", r.worker());
    putText(o, "model", r.model());
    if (!r.messages().isEmpty()) {
      ArrayNode messages = o.putArray("messages");
      r.messages().forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
    }
    putText(o, "prompt", r.prompt());
    if (!r.params().isEmpty()) {
      o.set("params", mapper.valueToTree(r.params()));
    }
    putText(o, "command", r.command());
    if (!r.inputs().isEmpty()) {
      o.set("inputs", tensors(r.inputs()));
    }
    if (!r.attributes().isEmpty()) {
      o.set("attributes", attributes(r.attributes()));
    }
    if (r.timeoutMs() != null) {
      o.put("timeout_ms", r.timeoutMs());
    }
    if (r.maxAttempts() != null) {
      o.put("max_attempts", r.maxAttempts());
    }
    putText(o, "acceptance", r.acceptance());
    if (r.webhook() != null) {
      ObjectNode w = o.putObject("webhook").put("url", r.webhook().url().toString());
      putText(w, "secret", r.webhook().secret());
    }
    putText(o, "service", r.service());
    if (r.payment() != null) {
      o.put("payment", r.payment());
    }
    return o;
  }

  public ObjectNode job(JobRequest r) {
    ObjectNode o = mapper.createObjectNode();
    switch (r.work()) {
      case JobRequest.Tasks w -> {
        ArrayNode tasks = o.putArray("tasks");
        for (TaskSpec t : w.tasks()) {
          ObjectNode task = tasks.addObject();
          putText(task, "id", t.id());
          task.put("operator", t.operator());
          task.set("inputs", inputs(t.inputs()));
          if (!t.attributes().isEmpty()) {
            task.set("attributes", attributes(t.attributes()));
          }
          if (t.timeoutMs() != null) {
            task.put("timeout_ms", t.timeoutMs());
          }
          if (t.maxAttempts() != null) {
            task.put("max_attempts", t.maxAttempts());
          }
          putText(task, "acceptance", t.acceptance());
        }
      }
      case JobRequest.Matmul w -> {
        ObjectNode m = o.putObject("matmul");
        m.set("a", TensorCodec.toJson(w.a()));
        m.set("b", TensorCodec.toJson(w.b()));
        if (w.tileRows() != null) {
          m.put("tile_rows", w.tileRows());
        }
        if (w.tileCols() != null) {
          m.put("tile_cols", w.tileCols());
        }
        if (w.splitK() != null) {
          m.put("split_k", w.splitK());
        }
      }
      case JobRequest.Batch w -> {
        ObjectNode b = o.putObject("batch").put("operator", w.operator());
        ArrayNode items = b.putArray("items");
        w.items().forEach(item -> items.add(inputs(item)));
        if (!w.attributes().isEmpty()) {
          b.set("attributes", attributes(w.attributes()));
        }
      }
      case JobRequest.MapReduce w -> {
        ObjectNode m = o.putObject("map_reduce");
        m.set("input", input(w.input()));
        m.put("chunk_rows", w.chunkRows());
        ObjectNode map = m.putObject("map").put("operator", w.mapOperator());
        if (!w.mapAttributes().isEmpty()) {
          map.set("attributes", attributes(w.mapAttributes()));
        }
        m.put("reduce", w.reduce());
      }
    }
    if (r.timeoutMs() != null) {
      o.put("timeout_ms", r.timeoutMs());
    }
    if (r.maxAttempts() != null) {
      o.put("max_attempts", r.maxAttempts());
    }
    if (r.deadlineMs() != null) {
      o.put("deadline_ms", r.deadlineMs());
    }
    putText(o, "acceptance", r.acceptance());
    return o;
  }

  /** A new key's request; {@code principal} null for an operator's key. */
  public ObjectNode newKey(String name, Set<ApiKey.Scope> scopes, int rateLimit, String principal) {
    ObjectNode o = mapper.createObjectNode().put("name", name);
    ArrayNode s = o.putArray("scopes");
    // A stable order, so the same call sends the same bytes.
    scopes.stream().sorted().forEach(scope -> s.add(scope.wireName()));
    o.put("rate_limit", rateLimit);
    putText(o, "principal", principal);
    return o;
  }

  /** {@code POST /v1/principals}: the key and its proof, both standard base64. */
  public ObjectNode principal(String kind, String name, byte[] publicKey, long signedAt, byte[] signature) {
    return mapper.createObjectNode()
        .put("kind", kind)
        .put("name", name)
        .put("public_key", Base64.getEncoder().encodeToString(publicKey))
        .put("signed_at", signedAt)
        .put("signature", Base64.getEncoder().encodeToString(signature));
  }

  /** {@code POST /v1/principals/{id}/delegates}; no {@code expires_at} for a grant that does not expire. */
  public ObjectNode grant(String delegate, Set<DelegateScope> scopes, Instant expiresAt) {
    ObjectNode o = mapper.createObjectNode().put("delegate", delegate);
    ArrayNode s = o.putArray("scopes");
    scopes.stream().sorted().forEach(scope -> s.add(scope.wireName()));
    if (expiresAt != null) {
      o.put("expires_at", expiresAt.toEpochMilli());
    }
    return o;
  }

  /** {@code POST /v1/fleet/pairings}: the owner's half of a pairing, its signature standard base64. */
  public ObjectNode pairing(String worker, long signedAt, byte[] signature) {
    return mapper.createObjectNode()
        .put("worker", worker)
        .put("signed_at", signedAt)
        .put("signature", Base64.getEncoder().encodeToString(signature));
  }

  /**
   * {@code POST /v1/services}, or the changes of {@code PATCH /v1/services/{id}}: config and
   * hardware go as whole objects when any of their parts is set, since the orchestrator replaces
   * each whole.
   */
  public ObjectNode service(ServiceSpec s) {
    ObjectNode o = mapper.createObjectNode();
    putText(o, "name", s.name());
    putText(o, "operator", s.operator());
    if (s.hasConfig()) {
      ObjectNode c = o.putObject("config");
      putText(c, "model", s.model());
      putText(c, "command", s.command());
      putText(c, "image", s.image());
    }
    if (s.hasHardware()) {
      ObjectNode h = o.putObject("hardware");
      if (s.minCores() != null) {
        h.put("min_cores", s.minCores());
      }
      if (s.minMemoryBytes() != null) {
        h.put("min_memory_bytes", s.minMemoryBytes());
      }
      putText(h, "accelerator", s.accelerator());
    }
    putText(o, "acceptance", s.acceptance());
    if (s.minPayment() != null) {
      o.put("min_payment", s.minPayment());
    }
    if (s.maxPayment() != null) {
      o.put("max_payment", s.maxPayment());
    }
    if (s.maxTaskLifetimeMs() != null) {
      o.put("max_task_lifetime_ms", s.maxTaskLifetimeMs());
    }
    if (s.externallyScheduled() != null) {
      o.put("externally_scheduled", s.externallyScheduled());
    }
    return o;
  }

  /** {@code {"worker": "w…"}}: a service registration. */
  public ObjectNode worker(String worker) {
    return mapper.createObjectNode().put("worker", worker);
  }

  /** {@code POST /v1/credits/grants}. */
  public ObjectNode creditGrant(String principal, long amount) {
    return mapper.createObjectNode().put("principal", principal).put("amount", amount);
  }

  /** A job task's input: a tensor, {@code {"blob", "dtype", "shape", "offset"}} or {@code {"from", "output"}}. */
  public ObjectNode input(Input in) {
    return switch (in) {
      case Input.Inline i -> TensorCodec.toJson(i.tensor());
      case Input.FromTask f -> mapper.createObjectNode().put("from", f.task()).put("output", f.output());
      case StoredTensor s -> {
        ObjectNode o = mapper.createObjectNode().put("blob", s.blob()).put("dtype", s.dtype().wireName());
        ArrayNode shape = o.putArray("shape");
        for (int d : s.shape().dims()) {
          shape.add(d);
        }
        yield o.put("offset", s.offset());
      }
    };
  }

  private ArrayNode inputs(List<Input> inputs) {
    ArrayNode a = mapper.createArrayNode();
    inputs.forEach(in -> a.add(input(in)));
    return a;
  }

  /** {@code POST /v1/blobs/{sha256}/url}: an inclusive range (null: from the start, to the end) and a lifetime (null: 15 minutes). */
  public ObjectNode blobUrl(Long from, Long to, Long ttlMs) {
    ObjectNode o = mapper.createObjectNode();
    if (from != null) {
      o.put("from", from);
    }
    if (to != null) {
      o.put("to", to);
    }
    if (ttlMs != null) {
      o.put("ttl_ms", ttlMs);
    }
    return o;
  }

  private ArrayNode tensors(List<Tensor> tensors) {
    ArrayNode a = mapper.createArrayNode();
    tensors.forEach(t -> a.add(TensorCodec.toJson(t)));
    return a;
  }

  /** Attribute values were normalised by TaskSpec/TaskRequest: Long, Double, String or long[]. */
  private ObjectNode attributes(Map<String, Object> attributes) {
    ObjectNode o = mapper.createObjectNode();
    for (Map.Entry<String, Object> e : attributes.entrySet()) {
      switch (e.getValue()) {
        case Long l -> o.put(e.getKey(), l);
        case Double d -> o.put(e.getKey(), d);
        case String s -> o.put(e.getKey(), s);
        case long[] ls -> {
          ArrayNode list = o.putArray(e.getKey());
          for (long l : ls) {
            list.add(l);
          }
        }
        default -> throw new IllegalStateException("an attribute of type " + e.getValue().getClass() + " got through");
      }
    }
    return o;
  }

  private static void putText(ObjectNode o, String field, String value) {
    if (value != null) {
      o.put(field, value);
    }
  }
}
