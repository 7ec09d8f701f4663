import Dispatch
internal import CLinux

/// Process signals read from a `signalfd` instead of caught by a handler.
///
/// A Dispatch signal source is armed asynchronously by libdispatch's manager thread, so a signal
/// sent in between met `SIG_IGN` and was lost (DESIGN-NOTES §2.3.8). Here the signals are blocked
/// in every thread instead (`Syscall.blockSignals`, called before the process has a second thread,
/// so every later thread inherits the mask): a blocked signal stays pending in the kernel until the
/// descriptor reads it, whenever that is. Nothing can be lost between start-up and the first read.
///
/// The read source stays suspended until `startDelivering()`: signals that arrive before wait in the
/// kernel and are then handed to the handler once each, in the order the kernel dequeues them. The
/// handler runs on this receiver's own serial queue, one signal at a time.
///
/// Blocked signals are inherited through `fork` and kept across `execve`: a child process started
/// from a process using this type must unblock them itself (`posix_spawnattr_setsigmask`).
public final class SignalReceiver: @unchecked Sendable {
    public let signals: [Int32]
    private let fd: Int32
    private let queue: DispatchQueue
    private let source: DispatchSourceRead
    /// Changed only on `queue`.
    private var isSuspended = true
    private var isCancelled = false

    /// - Precondition: `signals` are blocked in every thread of the process.
    public init(signals: [Int32], label: String, handler: @escaping @Sendable (Int32) -> Void) throws(SystemError) {
        self.signals = signals
        let fd = try Syscall.signalDescriptor(for: signals)
        self.fd = fd
        queue = DispatchQueue(label: label)
        source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { @Sendable in
            for number in Self.drain(fd) { handler(number) }
        }
        source.setCancelHandler { @Sendable in Syscall.close(fd) }
    }

    /// Reads every record now pending. A wake-up may stand for several signals, and the source
    /// is level-triggered: leaving one record unread would only wake us again, but reading all of
    /// them keeps one signal per handler call.
    private static func drain(_ fd: Int32) -> [Int32] {
        let recordSize = MemoryLayout<signalfd_siginfo>.stride
        var records = [signalfd_siginfo](repeating: signalfd_siginfo(), count: 16)
        var received: [Int32] = []
        while true {
            let result = records.withUnsafeMutableBytes { buffer in
                Result { () throws(SystemError) in try Syscall.read(fd, into: buffer) }
            }
            guard case .success(.processed(let count)) = result, count >= recordSize else { break }
            received += records[0..<(count / recordSize)].map { Int32(bitPattern: $0.ssi_signo) }
        }
        return received
    }

    /// From now on the handler runs for every signal, starting with those already pending.
    public func startDelivering() {
        queue.async { @Sendable in
            guard self.isSuspended, !self.isCancelled else { return }
            self.isSuspended = false
            self.source.resume()
        }
    }

    /// Stops reading; the descriptor is closed by the source's cancel handler. Signals stay blocked.
    public func cancel() {
        queue.async { @Sendable in
            guard !self.isCancelled else { return }
            self.isCancelled = true
            self.source.cancel()
            // A suspended source runs its cancel handler only once resumed (DESIGN-NOTES §2.3.2).
            if self.isSuspended {
                self.isSuspended = false
                self.source.resume()
            }
        }
    }
}
