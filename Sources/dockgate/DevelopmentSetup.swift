import DockgateConfig
import DockgateCore
import Foundation

/// Development mode: a local PKI, a client bundle and a configuration, created on first run.
struct DevelopmentSetup {
    let directory: String

    func prepare() throws -> Configuration {
        throw ConfigurationError(file: directory, message: "development mode is not available yet; pass --config FILE")
    }
}
