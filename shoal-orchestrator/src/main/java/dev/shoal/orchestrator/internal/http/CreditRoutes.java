package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.credits.Credits;
import dev.shoal.orchestrator.internal.principals.Directory;
import dev.shoal.orchestrator.internal.store.CreditEntry;
import dev.shoal.orchestrator.internal.store.PrincipalRecord;
import dev.shoal.protocol.PeerIds;
import io.javalin.http.Context;
import java.util.regex.Pattern;

/**
 * {@code /v1/credits} (API.md "Credits"): an admin grants credits to a client; anyone with
 * {@code read} sees a principal's balance, the entries and whether the books balance.
 */
final class CreditRoutes {

  /** An account name: mint, client:p…, fleet:p…, worker:w…, escrow:{job}.{task}. */
  private static final Pattern ACCOUNT = Pattern.compile("mint|(client|fleet):p[a-z2-7]{32}|worker:w[a-z2-7]{32}|escrow:[A-Za-z0-9._-]{1,200}");

  private final HttpApi api;
  private final Directory directory;
  private final Credits credits;
  private final ObjectMapper mapper = new ObjectMapper();

  CreditRoutes(HttpApi api, Directory directory, Credits credits) {
    this.api = api;
    this.directory = directory;
    this.credits = credits;
  }

  /** {@code POST /v1/credits/grants} (admin): {@code {"principal": "p…", "amount": n}}. */
  void grant(Context ctx) throws Exception {
    JsonNode body = api.readJson(ctx);
    if (!body.isObject() || body.size() != 2 || !body.path("principal").isTextual() || !body.path("amount").isIntegralNumber()) {
      throw ApiException.invalidArgument("the request must be {\"principal\": \"p…\", \"amount\": n}");
    }
    PrincipalRecord p = directory.principal(body.get("principal").asText())
        .orElseThrow(() -> ApiException.notFound("no principal " + HttpApi.printable(body.get("principal").asText())));
    if (!p.kind().equals("client")) {
      throw ApiException.invalidArgument("credits are granted to clients, who pay for tasks; " + p.id() + " is a " + p.kind());
    }
    CreditEntry e;
    try {
      e = api.await(credits.grant(p.id(), body.get("amount").asLong(), api.caller(ctx).actor()));
    } catch (IllegalArgumentException bad) {
      throw ApiException.invalidArgument(bad.getMessage());
    }
    api.replyJson(ctx, 201, view(e));
  }

  /** {@code GET /v1/credits/{principal}}: what it can spend, what its tasks hold, what its workers earned. */
  void balance(Context ctx) {
    String id = ctx.pathParam("principal");
    if (PeerIds.isWellFormed(id)) {
      // A worker paid while paired with nobody: its earnings wait in its own account.
      api.replyJson(ctx, 200, mapper.createObjectNode().put("principal", id).put("balance", 0).put("held", 0)
          .put("earned", credits.balance("worker:" + id)));
      return;
    }
    if (!PeerIds.isPrincipalId(id)) {
      throw ApiException.invalidArgument("a principal id looks like p (or, for a worker, w) followed by 32 base32 characters");
    }
    directory.principal(id).orElseThrow(() -> ApiException.notFound("no principal " + id));
    api.replyJson(
        ctx, 200,
        mapper.createObjectNode()
            .put("principal", id)
            .put("balance", credits.balance(Credits.client(id)))
            .put("held", credits.held(id))
            .put("earned", credits.balance("fleet:" + id)));
  }

  /** {@code GET /v1/credits/entries?account=&after=&limit=}: the ledger, oldest first. */
  void entries(Context ctx) {
    String account = ctx.queryParam("account");
    if (account != null && !ACCOUNT.matcher(account).matches()) {
      throw ApiException.invalidArgument("account must be mint, client:p…, fleet:p…, worker:w… or escrow:{job}.{task}");
    }
    long after = HttpApi.nonNegative(ctx.queryParam("after"), "after");
    int limit = HttpApi.limit(ctx.queryParam("limit"));
    ObjectNode out = mapper.createObjectNode();
    ArrayNode all = out.putArray("entries");
    long next = after;
    for (CreditEntry e : credits.entries(account == null ? "" : account, after, limit)) {
      all.add(view(e));
      next = e.seq();
    }
    out.put("next_after", next);
    api.replyJson(ctx, 200, out);
  }

  /** {@code GET /v1/credits/check}: the balances sum to zero, or the books are broken. */
  void check(Context ctx) {
    long total = credits.total();
    api.replyJson(ctx, 200, mapper.createObjectNode().put("balanced", total == 0).put("total", total));
  }

  private ObjectNode view(CreditEntry e) {
    ObjectNode o = mapper.createObjectNode()
        .put("seq", e.seq()).put("at", e.at()).put("from", e.from()).put("to", e.to()).put("amount", e.amount())
        .put("reason", e.reason());
    if (!e.jobId().isEmpty()) {
      o.put("task_id", e.jobId() + "." + e.taskId());
    }
    return o;
  }
}
