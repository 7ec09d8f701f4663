import DockgateIO
import DockgatePolicy

/// Resolves bind sources on this host as dockerd will when it mounts them, component by
/// component with lstat(2) and readlink(2): symlinks are followed (at most 40, as the kernel),
/// and a missing tail is appended unchanged (dockerd creates it, THREATS M-03).
///
/// Only ENOENT ends the walk with an answer. Any other error — EACCES on a folder dockgate's
/// user cannot search, ELOOP, ENOTDIR, a link target that is not UTF-8 — makes the path
/// `.unresolvable`, and the bind is refused: realpath(3) used to be retried on the parent, which
/// passed the rest of the path on unresolved.
///
/// dockgate must run on the Docker host for this to see the daemon's file system, which is how it
/// is deployed (it talks to the daemon's unix socket). It runs on the connection's event loop: a
/// few system calls per bind, on local paths.
public struct SymlinkResolvingPathResolver: HostPathResolver {
    /// Linux's MAXSYMLINKS.
    static let maxSymlinks = 40

    public init() {}

    public func resolve(_ cleanedAbsolutePath: String) -> HostPathResolution {
        let slash = UInt8(ascii: "/")
        var pending = Array(Array(cleanedAbsolutePath.utf8).split(separator: slash).reversed())
        var resolved: [ArraySlice<UInt8>] = []
        var links = 0
        func path(_ components: [ArraySlice<UInt8>]) -> [UInt8] {
            components.isEmpty ? [slash] : components.flatMap { [slash] + $0 }
        }
        func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
        while let component = pending.popLast() {
            if component.elementsEqual(".".utf8) { continue }
            if component.elementsEqual("..".utf8) {
                _ = resolved.popLast()
                continue
            }
            let candidate = path(resolved + [component])
            let kind: HostFileSystem.EntryKind?
            do {
                kind = try HostFileSystem.entryKind(candidate)
            } catch {
                return .unresolvable(reason: "\(text(candidate)): \(error)")
            }
            guard let kind else {
                // Missing from here on: dockerd creates the rest. A ".." in the rest (from a link
                // target) would be resolved against folders that do not exist yet: refused.
                let rest = [component] + pending.reversed()
                if rest.contains(where: { $0.elementsEqual("..".utf8) }) {
                    return .unresolvable(reason: "\(text(candidate)) does not exist and the rest of the path climbs with \"..\"")
                }
                return .resolved(text(path(resolved + rest.filter { !$0.elementsEqual(".".utf8) })))
            }
            guard kind == .symlink else {
                resolved.append(component)
                continue
            }
            links += 1
            guard links <= Self.maxSymlinks else {
                return .unresolvable(reason: "more than \(Self.maxSymlinks) symlinks at \(text(candidate))")
            }
            let target: [UInt8]
            do {
                target = try HostFileSystem.readLink(candidate)
            } catch {
                return .unresolvable(reason: "\(text(candidate)): \(error)")
            }
            guard String(validating: target, as: UTF8.self) != nil, !target.contains(0) else {
                return .unresolvable(reason: "\(text(candidate)) points to a name that is not UTF-8")
            }
            if target.first == slash { resolved = [] }
            pending.append(contentsOf: target.split(separator: slash).reversed())
        }
        return .resolved(text(path(resolved)))
    }
}
