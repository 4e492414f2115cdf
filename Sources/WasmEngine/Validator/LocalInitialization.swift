/// The local initialization rule of typed function references (spec §3.3, "local.get"): a local whose type has no
/// default value (a non-nullable reference) must be set before it is read. Validation follows it per block: a
/// `local.set` counts until the end of the block it is in. Shared by the validator and the translator.
struct LocalInitialization {
    /// Per local: whether it may be read. Empty when every local has a default value, the usual case, which then
    /// costs one test per `local.set` or `local.get`.
    private var isSet: [Bool] = []
    /// The locals set so far that had no default, in order, so a block's end forgets the ones its body set.
    private var setLocals: [UInt32] = []

    var isTracking: Bool { !isSet.isEmpty }

    /// Starts a body whose parameters and locals are `locals`, of which the first `parameterCount` are set.
    mutating func start(locals: [ValueType], parameterCount: Int) {
        isSet.removeAll(keepingCapacity: true)
        setLocals.removeAll(keepingCapacity: true)
        guard locals.contains(where: { !$0.isDefaultable }) else { return }
        for (index, type) in locals.enumerated() { isSet.append(index < parameterCount || type.isDefaultable) }
    }

    func mayRead(_ local: UInt32) -> Bool { !isTracking || isSet[Int(local)] }

    mutating func set(_ local: UInt32) {
        guard isTracking, !isSet[Int(local)] else { return }
        isSet[Int(local)] = true
        setLocals.append(local)
    }

    /// What a block opened now records, to forget at its end what its body set (`forget(downTo:)`).
    var mark: Int { setLocals.count }

    mutating func forget(downTo mark: Int) {
        while setLocals.count > mark { isSet[Int(setLocals.removeLast())] = false }
    }
}
