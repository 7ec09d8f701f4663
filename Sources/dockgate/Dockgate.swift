import ArgumentParser

/// The `dockgate` command: a mutual-TLS gate in front of the Docker Engine socket.
@main
struct Dockgate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dockgate",
        abstract: "A mutual-TLS reverse proxy that checks every request to the Docker Engine socket.",
        subcommands: [ServeCommand.self, CheckConfigCommand.self, PolicyCommand.self, PKICommand.self, AuditCommand.self],
        defaultSubcommand: ServeCommand.self)
}
