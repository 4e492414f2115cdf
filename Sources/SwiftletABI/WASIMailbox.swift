/// A page of guest memory through which the guest hands forwarded WASI calls to a host worker thread without a VM
/// exit; the ``Hypercall/wasi`` exit stays as the fallback, so no call ever depends on the worker being awake.
///
/// Layout (64-bit little-endian words at byte offsets from ``BootInfo/wasiMailboxAddress``), all in the page's first
/// two cache lines, so that a call moves as few lines between the guest's core and the worker's as it can:
/// - ``stateOffset``: the call's state, one of ``idle``, ``posted``, ``claimed``, ``done``.
/// - ``workerPollingOffset``: nonzero while the host's worker polls the state word; a hint only.
/// - ``resultOffset``: the errno of a call the worker served (next to the state word the guest reads anyway).
/// - ``requestOffset``: one ``WASICallRequest`` record; its own errno word is filled in only by the exit path.
///
/// One call, guest side (the guest is single-threaded: at most one call is ever in the mailbox):
/// 1. Write the request. If the worker is not polling, make the ``Hypercall/wasi`` exit with the request's address
///    (as without a mailbox) and stop here.
/// 2. Store ``posted`` to the state word (a release store: the request's words are visible before it), then spin.
/// 3. ``done``: read the errno at ``resultOffset`` (the state stays ``done`` until the next post). Still ``posted``
///    after a short budget: compare-and-swap ``posted`` → ``idle`` (withdraw); on success make the
///    ``Hypercall/wasi`` exit instead. If the swap fails the worker has ``claimed`` the call: keep spinning, and once
///    a longer budget passes make the ``Hypercall/wasiAwait`` exit, which returns when the worker has finished (so a
///    call that blocks for long, a sleep or a read from a pipe, does not burn a CPU in the guest); the state is then
///    ``done``.
///
/// Host side: the worker compare-and-swaps ``posted`` → ``claimed``, copies the request out of guest memory once,
/// validates it exactly as the exit path does, serves it, writes the errno at ``resultOffset`` and stores ``done``
/// (release). Exactly one of the guest's withdrawal and the worker's claim succeeds: both are locked
/// compare-and-swaps on the same word. Everything the guest writes here is untrusted: the host never re-reads a claimed request, a state value it
/// does not expect is ignored, and a request that fails validation ends the VM at the guest's next exit.
///
/// Ordering: x86 is TSO (stores are seen in program order, and a locked instruction is a full fence); a VM exit is
/// serializing, so the exit path and the mailbox path never reorder against each other either.
public enum WASIMailbox {
    /// One page, so the mailbox shares no cache line or page with anything else.
    public static let size: UInt64 = 4096

    public static let stateOffset: UInt64 = 0
    public static let workerPollingOffset: UInt64 = 8
    public static let resultOffset: UInt64 = 16
    /// The 13-word request ends at byte 128, the end of the second cache line.
    public static let requestOffset: UInt64 = 24

    /// No call (the initial state, the monitor zeroes the page; and a withdrawn call).
    public static let idle: UInt64 = 0
    /// The guest has written a request and waits for it.
    public static let posted: UInt64 = 1
    /// The host's worker is serving the request.
    public static let claimed: UInt64 = 2
    /// The word at ``resultOffset`` holds the call's errno.
    public static let done: UInt64 = 3
}
