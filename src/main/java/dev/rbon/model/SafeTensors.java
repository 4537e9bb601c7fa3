package dev.rbon.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One safetensors file: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * {@code dtype}, {@code shape} and {@code data_offsets}, then raw little-endian data.
 *
 * <p>Read by hand rather than with DJL's {@code NDList.decode}, which loads the whole file into one byte[]
 * (a 2 GB cap) and crashes the JVM on BF16. Each tensor is memory-mapped slice by slice, widened to float32 in Java
 * and cast to the compute dtype on the way to the device.
 */
public final class SafeTensors implements AutoCloseable {

    /** Where a tensor's bytes are, relative to the start of the data section. */
    public record TensorInfo(String dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private ByteBuffer raw;
    private ByteBuffer staging;

    private SafeTensors(Path file, FileChannel channel, long dataStart, Map<String, TensorInfo> tensors) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
    }

    public static SafeTensors open(Path file) throws IOException {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        try {
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            channel.read(lengthBytes, 0);
            long headerLength = lengthBytes.flip().getLong();
            if (headerLength <= 0 || headerLength > 100_000_000 || 8 + headerLength > channel.size()) {
                throw new IOException(file + " is not a safetensors file (header length " + headerLength + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLength);
            channel.read(header, 8);
            JsonNode json = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            return new SafeTensors(file, channel, 8 + headerLength, parseHeader(json));
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(JsonNode json) {
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (entry.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = entry.getValue();
            long[] shape = new long[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asLong();
            }
            JsonNode offsets = t.get("data_offsets");
            tensors.put(entry.getKey(),
                    new TensorInfo(t.get("dtype").asText(), shape, offsets.get(0).asLong(), offsets.get(1).asLong()));
        }
        return tensors;
    }

    public Set<String> names() {
        return tensors.keySet();
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new IllegalArgumentException("tensor " + name + " is not in " + file);
        }
        return info;
    }

    /** Bytes of float32 read into one direct buffer at a time when loading a tensor onto a device. */
    static long sliceBytes = 64L << 20;

    /**
     * The tensor in {@code dtype} as an array of {@code manager}'s, read in slices of whole rows (axis 0) of at most
     * {@link #sliceBytes} float32 bytes, each widened to float32, cast and copied into memory of libtorch's own. A
     * DJL array made from a buffer keeps that (direct) buffer as its storage, which would count every weight
     * against the JVM's MaxDirectMemorySize; here one direct buffer per file is reused for every slice, no heap
     * copy of the tensor and no float32 copy of a half-precision one is made, and tensors past 2 GB (a 7B model's
     * embeddings) load.
     */
    public NDArray load(NDManager manager, String name, Dtype dtype) {
        TensorInfo info = info(name);
        long[] shape = info.shape();
        long rows = shape.length == 0 ? 1 : shape[0];
        long rowElements = rows == 0 ? 0 : info.elements() / rows;
        if (4 * rowElements > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor " + name + " has rows of " + rowElements + " elements");
        }
        long rowsPerSlice = Math.max(1, sliceBytes / Math.max(1, 4 * rowElements));
        NDArray whole = dtype.zeros(manager, new Shape(shape));
        for (long row = 0; row < rows; row += rowsPerSlice) {
            long count = Math.min(rowsPerSlice, rows - row);
            long[] partShape = shape.clone();
            if (shape.length > 0) {
                partShape[0] = count;
            }
            // the part is copied in place and closed before the staging buffer is refilled
            try (NDArray float32 = manager.create(floats(info, name, row * rowElements, count * rowElements),
                    new Shape(partShape), DataType.FLOAT32); NDArray part = dtype.cast(float32)) {
                if (shape.length == 0) {
                    whole.set(new NDIndex(), part);
                } else {
                    whole.set(new NDIndex("{}:{}", row, row + count), part);
                }
            }
        }
        return whole;
    }

    /**
     * {@code count} elements from element {@code first}, read into this file's raw buffer and widened to float32
     * into its staging buffer (valid until the next call).
     */
    private ByteBuffer floats(TensorInfo info, String name, long first, long count) {
        int width = switch (info.dtype()) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            case "F64" -> 8;
            default -> throw new IllegalArgumentException(
                    "tensor " + name + " has dtype " + info.dtype() + "; rbon reads F32, F16, BF16 and F64 weights");
        };
        ByteBuffer bytes = read(dataStart + info.begin() + first * width, count * width);
        staging = grown(staging, 4 * count);
        ByteBuffer direct = staging.slice(0, (int) (4 * count)).order(ByteOrder.nativeOrder());
        FloatBuffer out = direct.asFloatBuffer();
        switch (info.dtype()) {
            case "F32" -> out.put(bytes.asFloatBuffer());
            case "F16" -> {
                for (int i = 0; i < count; i++) {
                    out.put(halfToFloat(bytes.getShort(2 * i)));
                }
            }
            case "BF16" -> {
                for (int i = 0; i < count; i++) {
                    out.put(Float.intBitsToFloat((bytes.getShort(2 * i) & 0xFFFF) << 16));
                }
            }
            default -> {
                for (int i = 0; i < count; i++) {
                    out.put((float) bytes.getDouble(8 * i));
                }
            }
        }
        return direct;
    }

    /** The tensor's values widened to float32, in row-major order. */
    public float[] readFloats(String name) {
        TensorInfo info = info(name);
        long elements = info.elements();
        if (elements > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + name + " has " + elements + " elements, over a Java array");
        }
        ByteBuffer bytes = map(info).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) elements];
        switch (info.dtype()) {
            case "F32" -> bytes.asFloatBuffer().get(out);
            case "F16" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = halfToFloat(bytes.getShort(2 * i));
                }
            }
            // bfloat16 is the top half of a float32
            case "BF16" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = Float.intBitsToFloat((bytes.getShort(2 * i) & 0xFFFF) << 16);
                }
            }
            case "F64" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) bytes.getDouble(8 * i);
                }
            }
            default -> throw new IllegalArgumentException(
                    "tensor " + name + " has dtype " + info.dtype() + "; rbon reads F32, F16, BF16 and F64 weights");
        }
        return out;
    }

    /**
     * {@code bytes} of the file from {@code position}, read into one direct buffer reused for every slice: memory
     * mapped or freshly allocated per slice, the pages (or dead buffers) would stay resident until the garbage
     * collector got to them, up to the checkpoint's size (measured: 6.2 GB resident after loading a 2 GB model,
     * 2.5 GB with the buffers reused).
     */
    private ByteBuffer read(long position, long bytes) {
        raw = grown(raw, bytes);
        ByteBuffer view = raw.slice(0, (int) bytes);
        try {
            while (view.hasRemaining()) {
                if (channel.read(view, position + view.position()) < 0) {
                    throw new IOException("unexpected end of file at " + (position + view.position()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return view.flip().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** {@code buffer}, or a larger direct one when it holds fewer than {@code bytes}: doubled, up to a slice. */
    private static ByteBuffer grown(ByteBuffer buffer, long bytes) {
        if (buffer != null && buffer.capacity() >= bytes) {
            return buffer;
        }
        long doubled = buffer == null ? 0 : 2L * buffer.capacity();
        return ByteBuffer.allocateDirect((int) Math.max(bytes, Math.min(doubled, sliceBytes)));
    }

    /** IEEE 754 binary16 to float32 (Java 17 has no Float.float16ToFloat). */
    static float halfToFloat(short half) {
        int sign = (half & 0x8000) << 16;
        int exponent = (half >>> 10) & 0x1F;
        int mantissa = half & 0x3FF;
        if (exponent == 0x1F) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7F800000 | (mantissa << 13));
        }
        if (exponent == 0) { // zero or subnormal: mantissa * 2^-24
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private ByteBuffer map(TensorInfo info) {
        return map(dataStart + info.begin(), info.end() - info.begin());
    }

    private ByteBuffer map(long position, long size) {
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, position, size);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot map " + file, e);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
