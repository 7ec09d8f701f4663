import ArgumentParser
import DockgateConfig

/// `dockgate check-config FILE`: validates a configuration and explains every error with its line.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a configuration file without starting the proxy.")

    @Argument(help: "The YAML configuration file.")
    var file: String

    func run() throws {
        do {
            let configuration = try ConfigurationLoader.load(path: file)
            print("\(file): OK (\(configuration.users.count) users, \(configuration.listen.count) listeners)")
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
