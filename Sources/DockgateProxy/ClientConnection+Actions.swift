import Dispatch
import DockgateAudit
import DockgateCore
import DockgateIO

/// Carrying out what the machine asks.
extension ClientConnection {
    func perform(_ action: ConnectionAction) {
        switch action {
        case .sendToClient(let bytes):
            toClient.append(bytes)
        case .sendToUpstream(let bytes):
            toUpstream.append(bytes)
        case .judgeHead(let head):
            guard let identity else { return }
            RequestCounter.increment()
            feed(.headJudged(environment.gate.observing(environment.gate.evaluate(identity: identity, head: head))))
        case .judgeRequest(let pending):
            judge(pending)
        case .writeAudit(let record, let awaitsWrite):
            guard awaitsWrite else {
                auditBatch.add(record, to: environment.audit)
                return
            }
            auditBatch.add(record, to: environment.audit) { [self] mayProceed in
                feed(.auditWritten(mayProceed))
                drive()
            }
        case .recordExecSessionEnd(let record, let execID):
            // After everything this connection recorded so far.
            auditBatch.flush()
            ExecExitCode(daemon: environment.daemonFacts.client).recordWhenKnown(
                record, execID: execID, writer: auditBatch.writer, trail: environment.audit)
        case .connectUpstream:
            connectUpstream()
        case .closeUpstream:
            upstream?.close()
            upstream = nil
            toUpstream.removeAll()
            isUpstreamWriteBlocked = false
        case .shutdownUpstreamWrite:
            if let upstream { Syscall.shutdownWrite(upstream.fd) }
        case .armTimer(let purpose, let seconds):
            // Weak, and strong while it runs: a close inside may release the connection.
            timer.arm(after: seconds, purpose: purpose) { [weak self] in
                guard let self else { return }
                self.feed(.timerFired(purpose))
                self.drive()
            }
        case .cancelTimer:
            timer.cancel()
        case .finishClient(let closeNotify):
            if closeNotify, let tls, !tls.hasFailed { _ = tls.sendCloseNotify() }
            Syscall.shutdownWrite(client.fd)
        case .sendPlaintextToClient(let bytes):
            bytes.withUnsafeBytes { _ = try? Syscall.send(client.fd, $0) }
        case .close:
            timer.cancel()
            client.close()
            upstream?.close()
            upstream = nil
            tls = nil
            toClient.removeAll()
            toUpstream.removeAll()
            onClose(id)
        }
    }

    /// The decision after the head verdict. It is made at once when it needs neither the file
    /// system nor the daemon; otherwise off the loop (`DaemonObjectFacts.queue`), and the answer
    /// comes back to this connection's queue as an event. The connection stays alive until then
    /// (each daemon look-up is bounded by a timeout).
    private func judge(_ pending: PendingJudgement) {
        let gate = environment.gate
        let facts = environment.daemonFacts
        if RequestDecision.isImmediate(pending, gate: gate) {
            feed(.requestJudged(RequestDecision.decide(pending, gate: gate, facts: facts)))
            return
        }
        DaemonObjectFacts.queue.async { [self] in
            let judgement = RequestDecision.decide(pending, gate: gate, facts: facts)
            queue.async {
                self.feed(.requestJudged(judgement))
                self.drive()
            }
        }
    }

    /// Opens the daemon connection off the loop: a unix connect blocks while the daemon's listen
    /// backlog is full.
    private func connectUpstream() {
        let connector = environment.upstream
        DaemonObjectFacts.queue.async { [self] in
            let result = Result { () throws(SystemError) in try connector.connect() }
            queue.async {
                switch result {
                case .success(let fd):
                    guard !self.machine.isClosed else {
                        Syscall.close(fd)
                        return
                    }
                    self.upstream = self.watch(fd)
                    self.isUpstreamWriteBlocked = false
                    self.feed(.upstreamConnected)
                case .failure(let error):
                    self.feed(.upstreamConnectFailed("\(error)"))
                }
                self.drive()
            }
        }
    }
}
