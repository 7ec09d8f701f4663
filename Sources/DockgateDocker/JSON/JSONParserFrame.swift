/// One open array or object on the parser's explicit stack. The parser never recurses, so its stack
/// depth is bounded by `maxDepth` in heap memory, not by the thread's stack ("never crash on any input").
struct JSONParserFrame {
    let isObject: Bool
    let step: JSONPathStep
    /// The Go type this container decodes into: a map's keys are exact, a struct's fold.
    let shape: GoValueShape
    var elements: [JSONValue] = []
    var members: [(key: String, value: JSONValue)] = []
    var keys: JSONKeyTracker
    /// The key whose value is being read (objects only).
    var pendingKey: String = ""

    init(isObject: Bool, step: JSONPathStep, shape: GoValueShape, folding: Bool) {
        self.isObject = isObject
        self.step = step
        self.shape = shape
        self.keys = JSONKeyTracker(folding: folding && !(isObject && shape.hasExactKeys))
    }

    /// The shape of the child container about to be read in this frame.
    var childShape: GoValueShape {
        isObject ? shape.member(pendingKey) : shape.element
    }

    /// The step a child container takes from this frame.
    var childStep: JSONPathStep {
        isObject ? .key(pendingKey) : .index(elements.count)
    }
}
