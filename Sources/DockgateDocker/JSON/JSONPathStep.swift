/// How the parser reached a container, kept per open container so a `duplicateKey` error can name
/// the object (e.g. "/HostConfig") without building a path string for every object read.
/// Rendered as an RFC 6901 JSON Pointer ("" is the whole body; "~" → "~0", "/" → "~1").
enum JSONPathStep {
    case root
    case key(String)
    case index(Int)

    var pointerComponent: String {
        switch self {
        case .root:
            return ""
        case let .index(index):
            return "/" + String(index)
        case let .key(key):
            var escaped = "/"
            for scalar in key.unicodeScalars {
                switch scalar {
                case "~": escaped += "~0"
                case "/": escaped += "~1"
                default: escaped.unicodeScalars.append(scalar)
                }
            }
            return escaped
        }
    }
}
