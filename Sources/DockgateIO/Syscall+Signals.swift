#if canImport(Glibc)
import Glibc
#endif
internal import CLinux

/// Signals as descriptor events (`SignalReceiver`): sys/signalfd.h is reached through CLinux, which
/// only this module imports.
extension Syscall {
    /// Blocks `signals` in the calling thread; threads it creates afterwards inherit the mask.
    /// pthread_sigmask(3) returns the error number instead of setting errno.
    public static func blockSignals(_ signals: [Int32]) throws(SystemError) {
        var set = signalSet(signals)
        let result = pthread_sigmask(SIG_BLOCK, &set, nil)
        if result != 0 { throw SystemError(call: "pthread_sigmask", errno: result) }
    }

    /// Which of `signals` the calling thread blocks.
    public static func blockedSignals(among signals: [Int32]) -> [Int32] {
        var current = sigset_t()
        guard pthread_sigmask(SIG_BLOCK, nil, &current) == 0 else { return [] }
        return signals.filter { sigismember(&current, $0) == 1 }
    }

    /// A non-blocking, close-on-exec signalfd(2) for `signals`, which must be blocked in every
    /// thread: a signal that is not blocked takes its normal disposition and never reaches the fd.
    public static func signalDescriptor(for signals: [Int32]) throws(SystemError) -> Int32 {
        var set = signalSet(signals)
        let flags = Int32(SFD_NONBLOCK | SFD_CLOEXEC)
        return Int32(try restarting("signalfd") { Int(CLinux.signalfd(-1, &set, flags)) })
    }

    private static func signalSet(_ signals: [Int32]) -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        return set
    }
}
