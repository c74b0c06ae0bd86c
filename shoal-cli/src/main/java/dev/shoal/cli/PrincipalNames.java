package dev.shoal.cli;

import dev.shoal.client.PrincipalInfo;
import dev.shoal.client.ShoalClient;
import dev.shoal.protocol.PeerIds;
import java.util.List;
import java.util.Locale;

/**
 * Principals as a user names them: by id, or by the name an admin registered them with. The API
 * knows only ids; a name must pick out exactly one principal, and a well-formed id is taken as it
 * is (a principal cannot be named so as to shadow another's id).
 */
final class PrincipalNames {

  private PrincipalNames() {}

  /** The id of the principal {@code idOrName} stands for; {@code option} names the argument in messages. */
  static String id(ShoalClient client, String idOrName, String option) {
    if (PeerIds.isPrincipalId(idOrName)) {
      return idOrName;
    }
    List<PrincipalInfo> named =
        client.principals().list().stream()
            .filter(p -> p.name().toLowerCase(Locale.ROOT).equals(idOrName.toLowerCase(Locale.ROOT)))
            .toList();
    if (named.isEmpty()) {
      throw new IllegalArgumentException(
          option + ": no principal is named '" + idOrName + "' ('shoal principals list' lists them)");
    }
    if (named.size() > 1) {
      throw new IllegalArgumentException(option + ": " + named.size() + " principals are named '" + idOrName + "': "
          + String.join(", ", named.stream().map(PrincipalInfo::id).toList()) + "; give an id");
    }
    return named.getFirst().id();
  }
}
