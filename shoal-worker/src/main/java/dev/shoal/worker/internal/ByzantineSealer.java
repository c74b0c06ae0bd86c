package dev.shoal.worker.internal;

import dev.shoal.operators.DType;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.Tolerance;
import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.WireTensors;
import dev.shoal.protocol.v1.ResultDescriptor;
import dev.shoal.protocol.v1.ResultStatus;
import dev.shoal.protocol.v1.TensorRef;
import dev.shoal.protocol.v1.Value;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * For tests and the demo only ({@code WorkerConfig.byzantine}): a worker that lies about every
 * successful result, cycling through the attacks the orchestrator must stop. Gross garbage;
 * every element off by just more than the dtype's tolerance; an honest result under a forged
 * signature; and a replay (the previous result sent again, then its outputs passed off, freshly
 * signed, as this attempt's). An uploaded output ({@code tensor_ref}) cannot be changed after the
 * upload, so the first two attacks name other bytes instead: a digest nobody uploaded. Failures
 * and other statuses pass through honestly.
 */
final class ByzantineSealer extends ResultSealer {

  private final PrivateKey forger = Ed25519.generate().getPrivate();
  private final SplittableRandom random = new SplittableRandom();
  private long count;
  private ResultDescriptor previous;

  ByzantineSealer(KeyPair keys) {
    super(keys);
  }

  @Override
  synchronized List<ResultDescriptor> seal(ResultDescriptor honest) {
    if (honest.getStatus() != ResultStatus.RESULT_STATUS_OK) {
      return super.seal(honest);
    }
    int attack = (int) (count++ % 4);
    if (attack == 3 && previous == null) {
      attack = 0;
    }
    List<ResultDescriptor> out =
        switch (attack) {
          case 0 -> List.of(sign(withOutputs(honest, this::garbage)));
          case 1 -> List.of(sign(withOutputs(honest, ByzantineSealer::justBeyondTolerance)));
          case 2 -> List.of(ResultSignatures.sign(honest, forger));
          default -> {
            ResultDescriptor old = previous;
            ResultDescriptor passedOff =
                sign(honest.toBuilder().clearOutputs().addAllOutputs(old.getOutputsList()).build());
            yield List.of(old, passedOff);
          }
        };
    previous = out.getLast();
    return out;
  }

  private ResultDescriptor withOutputs(ResultDescriptor r, UnaryOperator<Tensor> change) {
    List<Value> outputs = new ArrayList<>(r.getOutputsCount());
    for (Value v : r.getOutputsList()) {
      if (v.hasTensor()) {
        outputs.add(Value.newBuilder().setTensor(WireTensors.toWire(change.apply(WireTensors.fromWire(v.getTensor())))).build());
      } else if (v.hasTensorRef()) {
        outputs.add(Value.newBuilder().setTensorRef(misnamed(v.getTensorRef())).build());
      } else {
        outputs.add(v);
      }
    }
    return r.toBuilder().clearOutputs().addAllOutputs(outputs).build();
  }

  /** The same dtype, shape and size, but a digest (and a URI naming it) of bytes never uploaded. */
  private TensorRef misnamed(TensorRef honest) {
    byte[] fake = new byte[32];
    random.nextBytes(fake);
    String digest = "sha256:" + HexFormat.of().formatHex(fake);
    String uri = honest.getData().getUri().replace(honest.getData().getDigest(), digest);
    return honest.toBuilder().setData(honest.getData().toBuilder().setDigest(digest).setUri(uri)).build();
  }

  private Tensor garbage(Tensor t) {
    if (t.dtype() == DType.INT32) {
      int[] v = new int[(int) t.elementCount()];
      for (int i = 0; i < v.length; i++) {
        v[i] = random.nextInt();
      }
      return Tensor.int32(t.shape(), v);
    }
    float[] v = new float[(int) t.elementCount()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextDouble() * 2e3 - 1e3);
    }
    return t.dtype() == DType.FLOAT16 ? Tensor.float16(t.shape(), v) : Tensor.float32(t.shape(), v);
  }

  /** Each element moved by three times its dtype's tolerance: small, but a lie. */
  private static Tensor justBeyondTolerance(Tensor t) {
    if (t.dtype() == DType.INT32) {
      int[] v = t.toIntArray();
      for (int i = 0; i < v.length; i++) {
        v[i] += 1;
      }
      return Tensor.int32(t.shape(), v);
    }
    Tolerance tol = Tolerance.forDType(t.dtype());
    float[] v = t.toFloatArray();
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (v[i] + 3 * (tol.atol() + tol.rtol() * Math.abs(v[i])));
    }
    return t.dtype() == DType.FLOAT16 ? Tensor.float16(t.shape(), v) : Tensor.float32(t.shape(), v);
  }
}
