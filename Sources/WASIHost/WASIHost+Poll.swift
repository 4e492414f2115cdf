import Glibc

// `poll_oneoff`: waiting on clocks and on descriptors becoming readable or writable.
extension WASIHost {
    private enum EventType: UInt8 {
        case clock = 0, fdRead, fdWrite
    }

    private struct Subscription {
        var userData: UInt64
        var type: EventType
        /// For a clock: when it fires, in `CLOCK_MONOTONIC` nanoseconds.
        var deadline: UInt64 = 0
        var fd: UInt32 = 0
    }

    private struct Event {
        var userData: UInt64
        var error: WASIErrno
        var type: EventType
        var byteCount: UInt64 = 0
        var hangUp = false
    }

    /// Regular files are always ready (as POSIX `poll` has it); streams and sockets are asked of the
    /// host with `poll`, which waits at most until the earliest clock subscription fires.
    public func pollOneoff(
        _ memory: LinearMemoryView, subscriptions: UInt32, events: UInt32, count: UInt32, resultPointer: UInt32
    ) -> WASIErrno {
        perform { () throws(WASIErrno) in
            guard count > 0 else { throw .invalid }
            // Both arrays lie wholly in memory, so no field offset computed below can overflow.
            guard let subscriptionBytes = UInt32(exactly: UInt64(count) * 48),
                let eventBytes = UInt32(exactly: UInt64(count) * 32)
            else { throw .fault }
            _ = try memory.range(at: subscriptions, count: subscriptionBytes)
            _ = try memory.range(at: events, count: eventBytes)
            var pending: [Subscription] = []
            var ready: [Event] = []
            for index in 0..<count {
                let base = subscriptions + index * 48
                let userData = try memory.load(UInt64.self, at: base)
                guard let type = EventType(rawValue: try memory.load(UInt8.self, at: base + 8)) else { throw .invalid }
                var subscription = Subscription(userData: userData, type: type)
                if type == .clock {
                    // As wasmtime: a bad clock or descriptor fails the whole call rather than one event.
                    let clock = try Self.hostClock(try memory.load(UInt32.self, at: base + 16))
                    let timeout = try memory.load(UInt64.self, at: base + 24)
                    let absolute = try memory.load(UInt16.self, at: base + 40) & 1 != 0
                    let now = Self.now(clock)
                    let remaining = absolute ? (timeout > now ? timeout - now : 0) : timeout
                    let (deadline, overflow) = Self.now(CLOCK_MONOTONIC).addingReportingOverflow(remaining)
                    subscription.deadline = overflow ? .max : deadline
                } else {
                    subscription.fd = try memory.load(UInt32.self, at: base + 16)
                    let entry = try descriptors.get(subscription.fd)
                    // As wasmtime 51: a directory is EBADF, and so is a stream (a standard stream, a socket) polled
                    // the way it does not go; a file is polled either way, whatever it is open for (the
                    // `poll_fd_readwrite` right every descriptor reports is not what is checked).
                    let direction: WASIRights = type == .fdRead ? .fdRead : .fdWrite
                    let isStream = entry.isStandardStream || entry.isSocket
                    guard !entry.isDirectory, !isStream || entry.rightsBase.contains(direction) else {
                        throw .badDescriptor
                    }
                    if entry.fileType == .regularFile {
                        let byteCount = Self.bytesAhead(entry.hostFD, type == .fdRead)
                        ready.append(Event(userData: userData, error: .success, type: type, byteCount: byteCount))
                        continue
                    }
                }
                pending.append(subscription)
            }
            if ready.isEmpty {
                ready = try wait(for: pending)
            }
            for (index, event) in ready.enumerated() {
                let base = events + UInt32(index) * 32
                try memory.write([UInt8](repeating: 0, count: 32), at: base)
                try memory.store(event.userData, at: base)
                try memory.store(event.error.rawValue, at: base + 8)
                try memory.store(event.type.rawValue, at: base + 10)
                try memory.store(event.byteCount, at: base + 16)
                try memory.store(UInt16(event.hangUp ? 1 : 0), at: base + 24)
            }
            try memory.store(UInt32(ready.count), at: resultPointer)
        }
    }

    /// For a regular file being read: the bytes between the position and the end.
    private static func bytesAhead(_ hostFD: Int32, _ reading: Bool) -> UInt64 {
        guard reading else { return 0 }
        var status = stat()
        let position = lseek(hostFD, 0, SEEK_CUR)
        guard fstat(hostFD, &status) == 0, position >= 0, status.st_size > position else { return 0 }
        return UInt64(status.st_size - position)
    }

    private func wait(for subscriptions: [Subscription]) throws(WASIErrno) -> [Event] {
        let descriptorSubscriptions = subscriptions.filter { $0.type != .clock }
        var pollDescriptors = descriptorSubscriptions.map { subscription in
            pollfd(
                fd: descriptors[subscription.fd]?.hostFD ?? -1,
                events: Int16(subscription.type == .fdRead ? POLLIN : POLLOUT), revents: 0)
        }
        // Last: the interruption pipe, which ends the wait with EINTR.
        pollDescriptors.append(pollfd(fd: interruptHandle.readFD, events: Int16(POLLIN), revents: 0))
        let earliestDeadline = subscriptions.filter { $0.type == .clock }.map(\.deadline).min()
        while true {
            var timeoutMilliseconds: Int32 = -1
            if let earliestDeadline {
                let now = Self.now(CLOCK_MONOTONIC)
                let remaining = earliestDeadline > now ? earliestDeadline - now : 0
                // Rounded up, so the clock has fired when `poll` returns for lack of events.
                let milliseconds = remaining / 1_000_000 + (remaining % 1_000_000 == 0 ? 0 : 1)
                timeoutMilliseconds = Int32(clamping: milliseconds)
            }
            let result = poll(&pollDescriptors, nfds_t(pollDescriptors.count), timeoutMilliseconds)
            if result < 0 {
                if errno == EINTR { continue }
                throw .lastHostError
            }
            if pollDescriptors[pollDescriptors.count - 1].revents != 0 { throw .interrupted }
            var events: [Event] = []
            for (subscription, polled) in zip(descriptorSubscriptions, pollDescriptors) where polled.revents != 0 {
                var event = Event(userData: subscription.userData, error: .success, type: subscription.type)
                if polled.revents & Int16(POLLNVAL) != 0 {
                    event.error = .badDescriptor
                } else if polled.revents & Int16(POLLERR) != 0 && polled.revents & Int16(POLLIN | POLLOUT) == 0 {
                    event.error = .io
                }
                event.hangUp = polled.revents & Int16(POLLHUP) != 0
                if subscription.type == .fdRead {
                    var available: Int32 = 0
                    if ioctl(polled.fd, UInt(FIONREAD), &available) == 0 { event.byteCount = UInt64(max(available, 0)) }
                }
                events.append(event)
            }
            let now = Self.now(CLOCK_MONOTONIC)
            for subscription in subscriptions where subscription.type == .clock && subscription.deadline <= now {
                events.append(Event(userData: subscription.userData, error: .success, type: .clock))
            }
            if !events.isEmpty { return events }
        }
    }
}
