package dev.rbon.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.function.Function;

/**
 * A TorchScript module shipped as a resource beside the class that uses it (made by a script in src/test/python):
 * the way to reach a libtorch op that DJL 0.36's JNI does not bind, such as the bfloat16 cast, the int8 weight
 * matmul or oneDNN's linear on a packed weight, and to run a group of small ops as one call.
 */
public final class ScriptModule {

    private final Model model;
    private final PtSymbolBlock block;

    /** A module of this package. */
    ScriptModule(String name) {
        this(ScriptModule.class, name);
    }

    /**
     * Loads {@code name}.pt beside {@code owner}, once per JVM by its holder; DJL loads modules from a folder, so it
     * is copied out.
     */
    public ScriptModule(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name + ".pt")) {
            Path dir = Files.createTempDirectory("rbon-" + name);
            Path file = dir.resolve(name + ".pt");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            model = Model.newInstance(name, Device.cpu(), "PyTorch");
            model.load(dir, name);
            block = (PtSymbolBlock) model.getBlock();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load the TorchScript module " + name, e);
        } catch (MalformedModelException e) {
            throw new IllegalStateException("cannot load the TorchScript module " + name, e);
        }
    }

    /**
     * forward(args...), its tensor result owned by the first argument's manager as any other op's would be. An
     * argument is an NDArray (a tensor), an NDArray[] (a list of tensors: how DJL passes an optional one), a Double,
     * a Long or a Boolean. IValues directly: Block.forward's NDList route (input names, shapes, mode switches) cost
     * ~17 us a call against ~6 us.
     */
    public NDArray forward(Object... args) {
        return call(args, out -> out.toTensor(manager(args)));
    }

    /** forward(args...) for a module that returns a tuple of tensors. */
    public NDList forwardTuple(Object... args) {
        return call(args, out -> out.toNDList(manager(args)));
    }

    private <T> T call(Object[] args, Function<IValue, T> result) {
        IValue[] values = new IValue[args.length];
        try {
            for (int i = 0; i < args.length; i++) {
                values[i] = value(args[i]);
            }
            try (IValue out = block.forward(values)) {
                return result.apply(out);
            }
        } finally {
            for (IValue value : values) {
                if (value != null) {
                    value.close();
                }
            }
        }
    }

    private static IValue value(Object arg) {
        if (arg instanceof NDArray tensor) {
            return IValue.from((PtNDArray) tensor);
        } else if (arg instanceof NDArray[] list) {
            return IValue.listFrom(Arrays.copyOf(list, list.length, PtNDArray[].class));
        } else if (arg instanceof Double number) {
            return IValue.from(number);
        } else if (arg instanceof Long number) {
            return IValue.from(number);
        } else if (arg instanceof Boolean flag) {
            return IValue.from(flag);
        }
        throw new IllegalArgumentException("no IValue for " + arg.getClass());
    }

    private static PtNDManager manager(Object[] args) {
        return (PtNDManager) ((NDArray) args[0]).getManager();
    }
}
