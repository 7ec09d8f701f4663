import Dispatch
import Foundation

/// SIGTERM and SIGINT as Dispatch sources. Created from nonisolated code on purpose: a handler
/// written in main-actor code would trap when Dispatch runs it elsewhere (DESIGN-NOTES §2.3.5).
enum ShutdownSignals {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    static func install(_ handler: @escaping @Sendable (String) -> Void) {
        for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { @Sendable in handler(name) }
            source.resume()
            sources.append(source)
        }
    }
}
