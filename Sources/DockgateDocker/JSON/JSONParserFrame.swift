/// One open array or object on the parser's explicit stack. The parser never recurses, so its stack
/// depth is bounded by `maxDepth` in heap memory, not by the thread's stack ("never crash on any input").
struct JSONParserFrame {
    let isObject: Bool
    let step: JSONPathStep
    var elements: [JSONValue] = []
    var members: [(key: String, value: JSONValue)] = []
    var keys: JSONKeyTracker
    /// The key whose value is being read (objects only).
    var pendingKey: String = ""

    init(isObject: Bool, step: JSONPathStep, folding: Bool) {
        self.isObject = isObject
        self.step = step
        self.keys = JSONKeyTracker(folding: folding)
    }

    /// The step a child container takes from this frame.
    var childStep: JSONPathStep {
        isObject ? .key(pendingKey) : .index(elements.count)
    }
}
