import DockgateCore
import DockgateIO

/// The daemon side: plain non-blocking reads and writes on the unix socket.
extension ClientConnection {
    func flushToUpstream() -> Bool {
        guard let upstream, !toUpstream.isEmpty else { return false }
        isUpstreamWriteBlocked = false
        var moved = false
        while !toUpstream.isEmpty, !machine.isClosed {
            var outcome: IOResult<Int> = .wouldBlock
            var failure: SystemError?
            let written = toUpstream.writeFirst { bytes in
                do throws(SystemError) {
                    outcome = try Syscall.send(upstream.fd, bytes)
                } catch {
                    failure = error
                    return 0
                }
                if case .processed(let count) = outcome { return count }
                return 0
            }
            if let failure {
                feed(.upstreamWriteFailed("\(failure)"))
                return true
            }
            guard case .processed = outcome else {
                isUpstreamWriteBlocked = true
                return moved
            }
            moved = true
            feed(.wroteToUpstream(written))
        }
        return moved
    }

    /// Reads the daemon; each read is one event (no coalescing: the daemon flushes every write
    /// and clients render progress as it comes).
    func readUpstream() -> Bool {
        var moved = false
        for _ in 0..<16 {
            guard machine.wantsUpstreamBytes, let upstream else { break }
            let space = min(scratch.count, limits.readChunkBytes)
            let result: IOResult<Int>
            do {
                result = try Syscall.read(upstream.fd, into: UnsafeMutableRawBufferPointer(rebasing: scratch[0..<space]))
            } catch {
                logger.notice("reading from the Docker daemon failed", metadata: ["error": "\(error)"])
                feed(.upstreamEnded)
                return true
            }
            switch result {
            case .wouldBlock:
                return moved
            case .processed(0):
                feed(.upstreamEnded)
                return true
            case .processed(let count):
                moved = true
                feed(.upstreamBytes(Array(UnsafeRawBufferPointer(rebasing: scratch[0..<count]))))
            }
        }
        return moved
    }
}
