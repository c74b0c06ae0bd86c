package dev.shoal.cli;

import dev.shoal.client.ServiceInfo;
import dev.shoal.client.ShoalClient;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Services as a user names them: by id ({@code svc_…}), or by name, which is unique among live
 * services. A string shaped like an id is taken as one, so a service cannot be named so as to
 * shadow another's id; a retired service is named by its id only.
 */
final class ServiceNames {

  private static final Pattern ID = Pattern.compile("svc_[0-9a-f]{8,64}");

  private ServiceNames() {}

  /** The id of the service {@code idOrName} stands for; {@code option} names the argument in messages. */
  static String id(ShoalClient client, String idOrName, String option) {
    if (ID.matcher(idOrName).matches()) {
      return idOrName;
    }
    List<ServiceInfo> named = client.services().list().stream().filter(s -> s.name().equals(idOrName)).toList();
    if (named.isEmpty()) {
      throw new IllegalArgumentException(option + ": no live service is named '" + idOrName + "' ('shoal services list' lists them)");
    }
    return named.getFirst().id();
  }
}
