import ArgumentParser
import DockgateConfig
import DockgateProxy

/// `dockgate check-config FILE`: validates a configuration and explains every error with its line.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a configuration file without starting the proxy.")

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        do {
            let configuration = try ConfigurationLoader.load(path: file)
            // The same host check as serve and reload: a file that would not start is not OK.
            try BindRootMountCheck.verify(configuration)
            print("\(file): OK (\(configuration.users.count) users, \(configuration.listen.count) listeners)")
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
