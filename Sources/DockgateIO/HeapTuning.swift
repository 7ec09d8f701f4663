internal import CLinux

/// glibc malloc settings for a process that moves streams through short-lived buffers.
public enum HeapTuning {
    /// Every read from the daemon becomes a fresh buffer of up to a read chunk (64 KiB) that is
    /// freed once written to the client. With glibc's adaptive defaults the freed top of the heap
    /// goes back to the kernel and large blocks come from mmap, so a stream at full speed pays a
    /// page fault and a zeroed page for every 4 KiB it relays (~15 % of a stream's CPU in perf).
    /// Fixed thresholds keep up to 1 MiB of freed memory at the top of each arena for reuse and
    /// serve blocks up to 256 KiB (a read chunk, a relay buffer) from the heap; larger ones are
    /// mapped and given back when freed (bench/PROFILE-NOTES.md, 2026-12-07). Larger thresholds
    /// (8 MiB) kept ~50 MiB more after a 1,000-connection load: the idle footprint matters more.
    /// Call once, at start-up.
    public static func keepFreedBuffersForReuse() {
        _ = mallopt(M_TRIM_THRESHOLD, 1 << 20)
        _ = mallopt(M_MMAP_THRESHOLD, 256 << 10)
    }
}
