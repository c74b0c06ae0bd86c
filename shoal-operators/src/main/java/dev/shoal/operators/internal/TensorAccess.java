package dev.shoal.operators.internal;

import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;

/**
 * Zero-copy access to tensor storage for this module's operators and tiling. Not API: the arrays
 * are the tensors' own, so callers must never modify an array they read, nor one they handed over.
 */
public final class TensorAccess {

  /** Implemented inside {@link Tensor}, which installs it when its class initializes. */
  public interface Bridge {
    float[] floats(Tensor t);

    int[] ints(Tensor t);

    Tensor adoptFloats(DType dtype, Shape shape, float[] values);

    Tensor adoptInts(Shape shape, int[] values);
  }

  private static volatile Bridge bridge;

  private TensorAccess() {}

  /** Called once, by {@link Tensor}'s static initializer. */
  public static void install(Bridge b) {
    synchronized (TensorAccess.class) {
      if (bridge != null) {
        throw new IllegalStateException("tensor access is already installed");
      }
      bridge = b;
    }
  }

  /** The float32/float16 storage, row-major; null for int32. */
  public static float[] floats(Tensor t) {
    return bridge().floats(t);
  }

  /** The int32 storage, row-major; null for floating dtypes. */
  public static int[] ints(Tensor t) {
    return bridge().ints(t);
  }

  /** Wraps {@code values} without copying; float16 values are rounded to half precision in place. */
  public static Tensor adoptFloats(DType dtype, Shape shape, float[] values) {
    return bridge().adoptFloats(dtype, shape, values);
  }

  /** Wraps {@code values} without copying. */
  public static Tensor adoptInts(Shape shape, int[] values) {
    return bridge().adoptInts(shape, values);
  }

  private static Bridge bridge() {
    Bridge b = bridge;
    if (b == null) {
      try {
        // Initializing Tensor installs the bridge.
        Class.forName(Tensor.class.getName(), true, Tensor.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException(e);
      }
      b = bridge;
    }
    return b;
  }
}
