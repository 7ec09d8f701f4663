/// Which requests needed a grant: how many, and of which actions, for the comment beside it.
struct Evidence: Sendable, Equatable {
    private(set) var count = 0
    /// Distinct actions in first-seen order, with their counts.
    private(set) var actions: [(action: String, count: Int)] = []
    private(set) var example = ""

    mutating func note(_ request: ObservedRequest) {
        count += 1
        if example.isEmpty { example = request.example }
        let action = request.action?.rawValue ?? "\(request.method) \(request.path)"
        if let index = actions.firstIndex(where: { $0.action == action }) {
            actions[index].count += 1
        } else {
            actions.append((action, 1))
        }
    }

    mutating func merge(_ other: Evidence) {
        count += other.count
        if example.isEmpty { example = other.example }
        for (action, n) in other.actions {
            if let index = actions.firstIndex(where: { $0.action == action }) { actions[index].count += n } else { actions.append((action, n)) }
        }
    }

    /// "3 requests: container.create ×2, container.start ×1; e.g. container.create (POST /containers/create)"
    var comment: String {
        let shown = actions.prefix(3).map { "\($0.action) ×\($0.count)" }.joined(separator: ", ")
        let more = actions.count > 3 ? ", …" : ""
        return "\(count) request\(count == 1 ? "" : "s"): \(shown)\(more); e.g. \(example)"
    }

    static func == (lhs: Evidence, rhs: Evidence) -> Bool {
        lhs.count == rhs.count && lhs.example == rhs.example && lhs.actions.elementsEqual(rhs.actions) { $0 == $1 }
    }
}
