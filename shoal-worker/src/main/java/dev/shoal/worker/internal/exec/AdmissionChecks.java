package dev.shoal.worker.internal.exec;

import dev.shoal.protocol.v1.AttributeValue;
import dev.shoal.protocol.v1.TaskDescriptor;
import java.util.Set;

/** Checks of task attributes that every executor makes the same way. */
final class AdmissionChecks {

  private AdmissionChecks() {}

  /** Refuses any attribute not in {@code known}, naming it. */
  static void onlyAttributes(TaskDescriptor task, Set<String> known) throws Rejection {
    for (String name : task.getAttributesMap().keySet()) {
      if (!known.contains(name)) {
        throw Rejection.badInput(task.getOperator() + " has no attribute '" + name + "' (it takes " + known + ")");
      }
    }
  }

  /** {@code attributes.stream}: absent or int 0 means no chunks, int 1 means stream. */
  static boolean stream(TaskDescriptor task) throws Rejection {
    AttributeValue v = task.getAttributesMap().get("stream");
    if (v == null) {
      return false;
    }
    if (v.getKindCase() != AttributeValue.KindCase.INT_VALUE || (v.getIntValue() != 0 && v.getIntValue() != 1)) {
      throw Rejection.badInput("attribute stream must be the int 0 or 1");
    }
    return v.getIntValue() == 1;
  }

  /** Whether {@code mediaType} is {@code base}, parameters aside ({@code application/json; charset=utf-8}). */
  static boolean isMediaType(String mediaType, String base) {
    int semi = mediaType.indexOf(';');
    String type = (semi < 0 ? mediaType : mediaType.substring(0, semi)).strip();
    return type.equalsIgnoreCase(base);
  }
}
