import DockgateIO

// The first statement, before any thread exists, exactly as `dockgate serve` does it: every thread
// created later (Dispatch's included) inherits the blocked mask.
do {
    try Syscall.blockSignals(SignalReceiverProbe.signals)
} catch {
    print("cannot block signals: \(error)")
}
SignalReceiverProbe.run()
