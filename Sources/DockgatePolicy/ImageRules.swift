import DockgateDocker

/// The image allowlist, applied to what dockerd will actually resolve (THREATS §3, I-01…I-07).
struct ImageRules {
    let policy: Policy

    /// `Config.Image` of a container create, or the source of an image mount.
    func checkContainerImage(_ text: String?, field: String) -> PolicyDecision? {
        guard let patterns = policy.images else { return nil }
        guard let text, !text.isEmpty else {
            return .deny("images/allowlist", "\(field): no image named; this policy allows only \(list(patterns))")
        }
        let spec: ContainerImageSpec
        do {
            spec = try ContainerImageSpec.parse(text)
        } catch {
            return .malformed("\(field): invalid image reference \"\(text)\": \(error.message)")
        }
        switch spec {
        case .imageID(let id):
            // dockerd resolves IDs and hex-only names by ID prefix: the name says nothing about the content.
            return .deny("images/allowlist", "\(field): image \"\(id)\" is an image ID (or could be resolved as one); name an allowed image")
        case .reference(let reference):
            if patterns.contains(where: { $0.matches(reference) }) { return nil }
            return .deny("images/allowlist", "image \(reference) is not allowed (allowed: \(list(patterns)))")
        }
    }

    /// `POST /images/create?fromImage=&tag=` (pull).
    func checkPull(fromImage: String?, tag: String?) -> PolicyDecision? {
        guard let patterns = policy.images else { return nil }
        guard let fromImage, !fromImage.isEmpty else { return .malformed("image pull without fromImage") }
        let target: PullTarget
        do {
            target = try ImageReference.pullTarget(fromImage: fromImage, tag: tag)
        } catch {
            return .malformed("invalid image reference \"\(fromImage)\": \(error.message)")
        }
        switch target {
        case .reference(let reference):
            if patterns.contains(where: { $0.matches(reference) }) { return nil }
            return .deny("images/allowlist", "pulling \(reference) is not allowed (allowed: \(list(patterns)))")
        case .allTags(let repository):
            if patterns.contains(where: { $0.matchesAllTags(ofRepository: repository) }) { return nil }
            return .deny("images/allowlist", "pulling every tag of \(repository) is not allowed (allowed: \(list(patterns)))")
        }
    }

    /// Routes that write image names (tag, load, import, commit, build): with an allowlist they
    /// could put anything under an allowed name, so they need the explicit grant.
    func checkNameWrite(_ what: String) -> PolicyDecision? {
        guard policy.restrictsImages, !policy.allowsImageWrites else { return nil }
        return .deny("images/writes", "\(what) could place any content under an allowed image name; this policy does not allow image writes")
    }

    private func list(_ patterns: [ImagePattern]) -> String {
        patterns.isEmpty ? "none" : patterns.map(\.description).joined(separator: ", ")
    }
}
