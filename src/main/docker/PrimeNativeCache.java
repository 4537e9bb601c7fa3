/*
 * Image build step: loads every native library rbon uses once, so that they are laid out where the service looks
 * for them and start-up never extracts or downloads anything.
 *
 *   DJL_CACHE_DIR=/opt/djl-cache java -Dai.djl.offline=true -cp 'quarkus-app/lib/main/*' PrimeNativeCache.java
 *
 * - libtorch + libdjl_torch.so -> $DJL_CACHE_DIR/pytorch/<version>-<flavor>-linux-x86_64/ (from the
 *   pytorch-native-cpu and pytorch-jni jars; with PYTORCH_LIBRARY_PATH + PYTORCH_FLAVOR set, only the JNI library
 *   is placed there and libtorch is taken from PYTORCH_LIBRARY_PATH)
 * - libtokenizers.so -> $DJL_CACHE_DIR/tokenizers/<version>-cpu-linux-x86_64/
 *
 * onnxruntime is placed by the Dockerfile itself (unzipped to a folder named by -Donnxruntime.native.path).
 * Run with the Java single-file launcher (JDK 11+); it needs nothing but the application's own jars.
 */
public class PrimeNativeCache {
    public static void main(String[] args) throws Exception {
        if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
            throw new IllegalStateException("set DJL_CACHE_DIR to the folder the image will use");
        }
        System.setProperty("ai.djl.offline", "true");
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
        System.out.println("PyTorch " + engine.getVersion() + " loaded; cache " + ai.djl.util.Utils.getEngineCacheDir());
        if (args.length == 0 || !args[0].equals("--no-tokenizers")) {
            ai.djl.huggingface.tokenizers.jni.LibUtils.checkStatus();
            System.out.println("tokenizers native library loaded");
        }
    }
}
