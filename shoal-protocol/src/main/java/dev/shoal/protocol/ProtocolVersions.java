package dev.shoal.protocol;

import dev.shoal.protocol.v1.ProtocolVersion;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Version rules of the worker protocol: peers state every version they support, and the highest
 * major both support wins. Within a major, minors only add optional fields, so the agreed minor
 * is the lower of the two and nothing is downgraded silently: the agreed version is stated back
 * in {@code Welcome}. No common major means refusal, naming both sides' versions.
 */
public final class ProtocolVersions {

  /** The version this build speaks. */
  public static final ProtocolVersion CURRENT = of(1, 2, 0);

  /** Every version this build speaks, newest first. */
  public static final List<ProtocolVersion> SUPPORTED = List.of(CURRENT);

  private ProtocolVersions() {}

  public static ProtocolVersion of(int major, int minor, int patch) {
    return ProtocolVersion.newBuilder().setMajor(major).setMinor(minor).setPatch(patch).build();
  }

  /** Outcome of negotiation: an agreed version, or a refusal that names both sides' versions. */
  public sealed interface Negotiation {
    /** Both sides speak {@code version}. */
    record Agreed(ProtocolVersion version) implements Negotiation {}

    /** No common major version. */
    record Refused(String message) implements Negotiation {}
  }

  /** Picks the highest major both sides support, with the lower minor of the two. */
  public static Negotiation negotiate(List<ProtocolVersion> ours, List<ProtocolVersion> theirs) {
    Optional<ProtocolVersion> best =
        ours.stream()
            .flatMap(
                o ->
                    theirs.stream()
                        .filter(t -> t.getMajor() == o.getMajor())
                        .map(
                            t ->
                                t.getMinor() < o.getMinor()
                                        || (t.getMinor() == o.getMinor()
                                            && t.getPatch() < o.getPatch())
                                    ? t
                                    : o))
            .max(
                Comparator.comparingInt(ProtocolVersion::getMajor)
                    .thenComparingInt(ProtocolVersion::getMinor)
                    .thenComparingInt(ProtocolVersion::getPatch));
    if (best.isPresent()) {
      return new Negotiation.Agreed(best.get());
    }
    return new Negotiation.Refused(
        "protocol version mismatch: orchestrator supports "
            + format(ours)
            + ", worker supports "
            + format(theirs));
  }

  public static String format(ProtocolVersion v) {
    return v.getMajor() + "." + v.getMinor() + "." + v.getPatch();
  }

  public static String format(List<ProtocolVersion> versions) {
    return versions.stream().map(ProtocolVersions::format).collect(Collectors.joining(", ", "[", "]"));
  }
}
