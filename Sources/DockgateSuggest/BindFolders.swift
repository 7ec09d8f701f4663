import DockgatePolicy

/// The bind folders that cover a set of bind sources, as narrow as possible: sources are grouped
/// under their deepest common folder, but never under a folder fewer than `minimumDepth`
/// components deep (`/home` for `/home/alice/a` and `/home/bob/b` would be far too wide: those
/// stay two folders).
enum BindFolders {
    static let minimumDepth = 2

    /// "/a//b/./c/" → "/a/b/c" (`..` is kept: such a source is refused by dockgate anyway, and
    /// the folder is then checked as written).
    static func cleaned(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    static func components(_ path: String) -> [Substring] { path.split(separator: "/") }

    /// Folders covering `sources`, each with the sources below it, in path order.
    static func folders(covering sources: [String]) -> [(folder: String, sources: [String])] {
        var groups: [(prefix: [Substring], sources: [String])] = []
        for source in sources.sorted() {
            let parts = components(source)
            if let last = groups.indices.last {
                let common = zip(groups[last].prefix, parts).prefix { $0 == $1 }.map(\.0)
                if common.count >= minimumDepth {
                    groups[last].prefix = Array(common)
                    groups[last].sources.append(source)
                    continue
                }
            }
            groups.append((parts, [source]))
        }
        return groups.map { ("/" + $0.prefix.joined(separator: "/"), $0.sources) }
    }
}
