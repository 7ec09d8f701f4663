import Synchronization

/// Which identity created each exec instance that went through dockgate, so that a restricted
/// user cannot start, resize or inspect an exec approved for someone else (THREATS X-04): exec
/// ids travel in events and `docker inspect`, and starting one hijacks its command.
///
/// Bounded: the oldest entries are forgotten first (an exec that old has long been started).
final class ExecOwnership: Sendable {
    static let capacity = 100_000
    private let owners = Mutex<(byID: [String: String], order: [String], head: Int)>(([:], [], 0))

    func record(execID: String, owner commonName: String) {
        owners.withLock { state in
            if state.byID.updateValue(commonName, forKey: execID) == nil { state.order.append(execID) }
            while state.order.count - state.head > Self.capacity {
                state.byID[state.order[state.head]] = nil
                state.head += 1
            }
            if state.head > Self.capacity {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    func owner(of execID: String) -> String? {
        owners.withLock { $0.byID[execID] }
    }
}
