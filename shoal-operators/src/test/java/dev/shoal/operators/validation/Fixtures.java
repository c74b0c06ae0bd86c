package dev.shoal.operators.validation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Operator;
import dev.shoal.operators.OperatorId;
import dev.shoal.operators.OperatorRegistry;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.Tolerance;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import java.util.function.IntUnaryOperator;

/** Test data for validators: random tensors, honest results, forged ones, and validation runs with seeds. */
final class Fixtures {

  private Fixtures() {}

  static Operator op(String id) {
    return OperatorRegistry.standard().require(OperatorId.parse(id));
  }

  static Validator validator(String id) {
    return Validators.forOperator(OperatorId.parse(id));
  }

  static Attributes axis(long axis) {
    return Attributes.builder().put("axis", axis).build();
  }

  static Attributes perm(long... perm) {
    return Attributes.builder().putInts("perm", perm).build();
  }

  /** Uniform in [lo, hi), rounded to the dtype (int32: whole numbers). */
  static Tensor uniform(DType dtype, Shape shape, double lo, double hi, SplittableRandom rnd) {
    int n = (int) shape.elementCount();
    if (dtype == DType.INT32) {
      int[] v = new int[n];
      for (int i = 0; i < n; i++) {
        v[i] = (int) Math.floor(lo + rnd.nextDouble() * (hi - lo));
      }
      return Tensor.int32(shape, v);
    }
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (lo + rnd.nextDouble() * (hi - lo));
    }
    return dtype == DType.FLOAT16 ? Tensor.float16(shape, v) : Tensor.float32(shape, v);
  }

  /** Floats in [-1, 1); int32 over the whole range, so sums and products wrap. */
  static Tensor random(DType dtype, Shape shape, SplittableRandom rnd) {
    if (dtype == DType.INT32) {
      int[] v = new int[(int) shape.elementCount()];
      for (int i = 0; i < v.length; i++) {
        v[i] = rnd.nextInt();
      }
      return Tensor.int32(shape, v);
    }
    return uniform(dtype, shape, -1, 1, rnd);
  }

  static Tensor floats(DType dtype, Shape shape, float... values) {
    return dtype == DType.FLOAT16 ? Tensor.float16(shape, values) : Tensor.float32(shape, values);
  }

  /** The operator's own, single output. */
  static Tensor honest(String id, Attributes attributes, Tensor... inputs) {
    List<Tensor> out = op(id).apply(List.of(inputs), attributes);
    assertThat(out).hasSize(1);
    return out.getFirst();
  }

  static Tensor honest(String id, Tensor... inputs) {
    return honest(id, Attributes.empty(), inputs);
  }

  /** Every float element mapped (and rounded back to the dtype). */
  static Tensor mapFloats(Tensor t, DoubleUnaryOperator f) {
    float[] v = t.toFloatArray();
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) f.applyAsDouble(v[i]);
    }
    return floats(t.dtype(), t.shape(), v);
  }

  static Tensor mapInts(Tensor t, IntUnaryOperator f) {
    int[] v = t.toIntArray();
    for (int i = 0; i < v.length; i++) {
      v[i] = f.applyAsInt(v[i]);
    }
    return Tensor.int32(t.shape(), v);
  }

  /**
   * Every element moved just beyond the dtype tolerance: three times its atol and rtol, away from
   * zero; int32 elements by one.
   */
  static Tensor beyondTolerance(Tensor t) {
    if (t.dtype() == DType.INT32) {
      return mapInts(t, v -> v + 1);
    }
    Tolerance tol = Tolerance.forDType(t.dtype());
    return mapFloats(t, c -> c * (1 + 3 * tol.rtol()) + Math.copySign(3 * tol.atol(), c));
  }

  static Tensor withElement(Tensor t, int index, double value) {
    if (t.dtype() == DType.INT32) {
      int[] v = t.toIntArray();
      v[index] = (int) value;
      return Tensor.int32(t.shape(), v);
    }
    float[] v = t.toFloatArray();
    v[index] = (float) value;
    return floats(t.dtype(), t.shape(), v);
  }

  static Verdict validate(String id, Attributes attributes, List<Tensor> inputs, Tensor output, ValidationSettings settings, long seed) {
    return validator(id).validate(inputs, attributes, List.of(output), settings, new SplittableRandom(seed));
  }

  static Verdict validate(String id, Attributes attributes, List<Tensor> inputs, Tensor output, long seed) {
    return validate(id, attributes, inputs, output, ValidationSettings.DEFAULT, seed);
  }
}
