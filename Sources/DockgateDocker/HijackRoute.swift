/// The routes whose successful answer turns the connection into a raw byte stream.
///
/// A 101 always switches; the legacy `200` with `application/vnd.docker.raw-stream` and no
/// length switches only on attach and exec start (PROTOCOL.md §1.4.3), the two handlers that
/// write it for clients that did not ask to upgrade.
public enum HijackRoute {
    public static func acceptsLegacyRawStream(method: String, path: APIPath) -> Bool {
        guard method == "POST" else { return false }
        let segments = path.routePath.split(separator: "/", omittingEmptySubsequences: false)
        // ["", "containers", "{id}", "attach"] or ["", "exec", "{id}", "start"]
        guard segments.count == 4, segments[0].isEmpty, !segments[2].isEmpty else { return false }
        return (segments[1] == "containers" && segments[3] == "attach")
            || (segments[1] == "exec" && segments[3] == "start")
    }
}
