package dev.modelforge.engine.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

/**
 * Off-heap memory for weights, backed by transparent huge pages where the OS offers them. Decode
 * streams every weight once per token; with 4 KiB pages (a memory-mapped file) the TLB misses alone
 * cost most of the bandwidth, so weights are copied here on load.
 */
public final class WeightMemory {

  private static final long HUGE_PAGE = 2L << 20;
  private static final int MADV_HUGEPAGE = 14;
  private static final Optional<MethodHandle> MADVISE = lookupMadvise();

  private WeightMemory() {}

  private static Optional<MethodHandle> lookupMadvise() {
    if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
      return Optional.empty();
    }
    try {
      Linker linker = Linker.nativeLinker();
      return linker
          .defaultLookup()
          .find("madvise")
          .map(
              addr ->
                  linker.downcallHandle(
                      addr,
                      FunctionDescriptor.of(
                          ValueLayout.JAVA_INT,
                          ValueLayout.ADDRESS,
                          ValueLayout.JAVA_LONG,
                          ValueLayout.JAVA_INT)));
    } catch (RuntimeException | LinkageError e) {
      return Optional.empty(); // no native access: plain pages still work
    }
  }

  /** {@code bytes} of zeroed memory in {@code arena}, on huge pages when large enough. */
  public static MemorySegment allocate(Arena arena, long bytes) {
    if (bytes < HUGE_PAGE || MADVISE.isEmpty()) {
      return arena.allocate(Math.max(bytes, 1), 64).asSlice(0, bytes);
    }
    long rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    MemorySegment seg = arena.allocate(rounded, HUGE_PAGE);
    try {
      int unused = (int) MADVISE.get().invokeExact(seg, rounded, MADV_HUGEPAGE);
    } catch (Throwable e) {
      // advisory only
    }
    return seg.asSlice(0, bytes);
  }

  /** A copy of {@code source} in huge-page memory. */
  public static MemorySegment copy(Arena arena, MemorySegment source) {
    MemorySegment dst = allocate(arena, source.byteSize());
    dst.copyFrom(source);
    return dst;
  }
}
