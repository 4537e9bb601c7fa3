package dev.rbon.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
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

/**
 * A TorchScript module shipped as a resource beside this class (made by a script in src/test/python): the way to
 * reach a libtorch op that DJL 0.36's JNI does not bind, such as the bfloat16 cast, the int8 weight matmul or
 * oneDNN's linear on a packed weight.
 */
final class ScriptModule {

    private final Model model;
    private final PtSymbolBlock block;

    /** Loads {@code name}.pt, once per JVM by its holder; DJL loads modules from a folder, so it is copied out. */
    ScriptModule(String name) {
        try (InputStream in = ScriptModule.class.getResourceAsStream(name + ".pt")) {
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
     * forward on IValues directly, its result owned by the first input's manager as any other op's would be.
     * Block.forward's NDList route (input names, shapes, mode switches) cost ~17 us a call against ~6 us.
     */
    NDArray forward(NDArray... inputs) {
        return forward(inputs, null);
    }

    /** forward(inputs..., list) with {@code list} as one Tensor[] argument: how DJL passes an optional tensor. */
    NDArray forwardWithList(NDArray[] inputs, NDArray... list) {
        return forward(inputs, list);
    }

    private NDArray forward(NDArray[] inputs, NDArray[] list) {
        IValue[] values = new IValue[inputs.length + (list == null ? 0 : 1)];
        try {
            for (int i = 0; i < inputs.length; i++) {
                values[i] = IValue.from((PtNDArray) inputs[i]);
            }
            if (list != null) {
                values[inputs.length] = IValue.listFrom(Arrays.copyOf(list, list.length, PtNDArray[].class));
            }
            try (IValue out = block.forward(values)) {
                return out.toTensor((PtNDManager) inputs[0].getManager());
            }
        } finally {
            for (IValue value : values) {
                if (value != null) {
                    value.close();
                }
            }
        }
    }
}
