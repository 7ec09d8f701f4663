/// The family of Docker Engine endpoints a request belongs to; policies grant rights per group.
///
/// The groups follow the threat table's sections (THREATS §1.7–§1.13): `exec` is split from
/// `containers` because exec is code execution; `session` holds the BuildKit
/// tunnels `/session` and `/grpc` that cannot be judged call by call (B-06); `secrets` holds
/// Swarm secrets and configs (W-05, W-06); `system` holds `/_ping`, `/version`, `/info`,
/// `/system/df`, CORS `OPTIONS` and the always-denied `/debug` (L-02…L-06).
public enum EndpointGroup: String, Sendable, CaseIterable, Codable {
    case containers, exec, images, build, volumes, networks, system, events, swarm, secrets, plugins, distribution, session
}
