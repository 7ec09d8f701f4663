// The socket layer's API speaks in `SystemError` and `IOResult` and its users call `Syscall`
// directly (reads, sends, shutdowns), so importing DockgateIO brings the wrapper along.
@_exported import DockgateSyscall
