// The instructions that call out of the engine run here, outside the handlers (see `Store.execute`): table
// instructions and bulk memory (rare, and they loop over ranges), `memory.grow`, and float rounding (a libm
// call each). Every range is bounds-checked in 64 bits before anything is written (spec 2.0: no partial writes).
// memory.fill, memory.copy and memory.init act on the memory whose base is in the register (see `Opcode.useMemory`);
// a 64-bit operand reaches them already checked to fit 32 bits (`Opcode.requireLow32`).

extension Store {
    /// Executes the instruction at `r.pc`, one of those the handlers leave the interpreter for, and steps past it.
    @inline(never)
    func executeOutOfLine(_ r: inout Registers) throws(Trap) {
        let i = r.pc.pointee.instruction
        let (fp, instance) = (r.fp, r.instance)
        defer { r.pc += 1 }
        func u32(_ slot: UInt32) -> UInt64 { UInt64(UInt32(truncatingIfNeeded: fp[Int(slot)])) }
        switch i.opcode {
        case .zeroLocals:
            (fp + Int(i.a)).update(repeating: 0, count: Int(i.b))
        case .memoryGrow:
            let memory = instance.pointee.memories[Int(i.c)]
            let addressType = memory.pointee.addressType
            let oldPages = memory.pointee.grow(byPages: Store.address(fp[Int(i.b)], of: addressType))
            r.setI64(i.a, oldPages ?? Store.address(UInt64.max, of: addressType))
            r.reloadMemory()
        case .f32Ceil: r.setF32(i.a, r.f32(i.b).rounded(.up))
        case .f32Floor: r.setF32(i.a, r.f32(i.b).rounded(.down))
        case .f32Trunc: r.setF32(i.a, r.f32(i.b).rounded(.towardZero))
        case .f32Nearest: r.setF32(i.a, r.f32(i.b).rounded(.toNearestOrEven))
        case .f64Ceil: r.setF64(i.a, r.f64(i.b).rounded(.up))
        case .f64Floor: r.setF64(i.a, r.f64(i.b).rounded(.down))
        case .f64Trunc: r.setF64(i.a, r.f64(i.b).rounded(.towardZero))
        case .f64Nearest: r.setF64(i.a, r.f64(i.b).rounded(.toNearestOrEven))
        case .tableGet:
            let table = instance.pointee.tables[Int(i.c)]
            let index = u32(i.b)
            guard index < UInt64(table.pointee.count) else { throw Trap(.tableOutOfBounds) }
            fp[Int(i.a)] = table.pointee.elements[Int(index)]
        case .tableSet:
            let table = instance.pointee.tables[Int(i.c)]
            let index = u32(i.a)
            guard index < UInt64(table.pointee.count) else { throw Trap(.tableOutOfBounds) }
            table.pointee.elements[Int(index)] = fp[Int(i.b)]
        case .tableSize:
            fp[Int(i.a)] = UInt64(instance.pointee.tables[Int(i.b)].pointee.count)
        case .tableGrow:
            let table = instance.pointee.tables[Int(i.c)]
            let addressType = table.pointee.addressType
            let oldCount = table.pointee.grow(by: Store.address(fp[Int(i.b + 1)], of: addressType), initialValue: fp[Int(i.b)])
            fp[Int(i.a)] = oldCount ?? Store.address(UInt64.max, of: addressType)
        case .tableFill:
            let table = instance.pointee.tables[Int(i.b)]
            let (destination, value, count) = (u32(i.a), fp[Int(i.a + 1)], u32(i.a + 2))
            guard destination + count <= UInt64(table.pointee.count) else { throw Trap(.tableOutOfBounds) }
            // SAFETY: the range lies within the table (checked above).
            (table.pointee.elements + Int(destination)).update(repeating: value, count: Int(count))
        case .tableCopy:
            let destinationTable = instance.pointee.tables[Int(i.b)]
            let sourceTable = instance.pointee.tables[Int(i.c)]
            let (destination, source, count) = (u32(i.a), u32(i.a + 1), u32(i.a + 2))
            guard destination + count <= UInt64(destinationTable.pointee.count),
                source + count <= UInt64(sourceTable.pointee.count)
            else { throw Trap(.tableOutOfBounds) }
            // SAFETY: both ranges lie within their tables (checked above); the raw copy is a memmove, so the
            // ranges may overlap when the tables are the same.
            UnsafeMutableRawPointer(destinationTable.pointee.elements + Int(destination)).copyMemory(
                from: sourceTable.pointee.elements + Int(source), byteCount: Int(count) * 8)
        case .tableInit:
            let table = instance.pointee.tables[Int(i.b)]
            let segment = instanceSegments[instance.pointee.index].elements[Int(i.c)]
            let (destination, source, count) = (u32(i.a), u32(i.a + 1), u32(i.a + 2))
            guard source + count <= UInt64(segment.count), destination + count <= UInt64(table.pointee.count)
            else { throw Trap(.tableOutOfBounds) }
            for offset in 0..<Int(count) {
                table.pointee.elements[Int(destination) + offset] = segment[Int(source) + offset]
            }
        case .elemDrop:
            instanceSegments[instance.pointee.index].elements[Int(i.a)] = []
        case .memoryFill:
            let (base, size) = (r.memoryBase, r.memorySize)
            let (destination, value, count) = (u32(i.a), UInt8(truncatingIfNeeded: fp[Int(i.b)]), u32(i.c))
            guard destination + count <= size else { throw Trap(.memoryOutOfBounds) }
            // SAFETY: the range lies within the memory (checked above).
            (base + Int(destination)).initializeMemory(as: UInt8.self, repeating: value, count: Int(count))
        case .memoryCopy:
            let (base, size) = (r.memoryBase, r.memorySize)
            let (destination, source, count) = (u32(i.a), u32(i.b), u32(i.c))
            guard destination + count <= size, source + count <= size else { throw Trap(.memoryOutOfBounds) }
            // SAFETY: both ranges lie within the memory (checked above); `copyMemory` is a memmove.
            (base + Int(destination)).copyMemory(from: base + Int(source), byteCount: Int(count))
        case .memoryCopyBetween:
            let destinationMemory = instance.pointee.memories[Int(i.b)].pointee
            let sourceMemory = instance.pointee.memories[Int(i.c)].pointee
            let (destination, source, count) = (u32(i.a), u32(i.a + 1), u32(i.a + 2))
            guard destination + count <= UInt64(destinationMemory.byteCount), source + count <= UInt64(sourceMemory.byteCount)
            else { throw Trap(.memoryOutOfBounds) }
            // SAFETY: each range lies within its memory (checked above).
            (destinationMemory.base + Int(destination)).copyMemory(from: sourceMemory.base + Int(source), byteCount: Int(count))
        case .memoryInit:
            let (base, size) = (r.memoryBase, r.memorySize)
            let (destination, source, count) = (u32(i.a), u32(i.a + 1), u32(i.a + 2))
            let segment = instanceSegments[instance.pointee.index].data[Int(i.b)]
            guard source + count <= UInt64(segment.range.count), destination + count <= size
            else { throw Trap(.memoryOutOfBounds) }
            let start = segment.range.lowerBound + Int(source)
            segment.source.withUnsafeBytes(in: start..<start + Int(count)) { bytes in
                guard let bytes = bytes.baseAddress else { return }
                // SAFETY: the destination range was bounds-checked above.
                (base + Int(destination)).copyMemory(from: bytes, byteCount: Int(count))
            }
        case .dataDrop:
            instanceSegments[instance.pointee.index].data[Int(i.a)].range = 0..<0
        case _ where i.opcode.isGC:
            try executeGC(i, fp: fp, instance: instance)
        default:
            preconditionFailure("not an out-of-line instruction")
        }
    }
}
