// GC's references and objects (WebAssembly 3.0): i31s, structs and arrays, and casts between reference types.
//
// A reference is a 64-bit slot as every other value. In the any hierarchy: 0 is null; an odd slot is an i31 (its 31
// bits above bit 0); a slot whose low three bits are 0b010 is a host value that `any.convert_extern` converted (the
// externref's slot above bit 2); any other is the address of a struct or array (`GCObject`, 16-byte aligned). In the
// extern hierarchy, a host value is its number + 1 as always, and a value of the any hierarchy that
// `extern.convert_any` converted is its slot with `externalizedBit` set (no host number or address reaches bit 63), so
// converting back and forth gives the same slot.
//
// Objects are owned by the store and freed with it: there is no collector yet. Reading and writing fields and elements
// and an array's length run in the handlers (`struct.get` and the like, the field's offset and `FieldAccess` decided
// when the code is translated: a subtype keeps its supertype's fields where they are); every other GC instruction runs
// out of line (`executeGC`).

/// A struct or an array: a 16-byte header (its store type id, whether it is an array, an array's length), then its
/// fields, each at a multiple of 8 bytes (a v128 takes 16), or its elements, packed at their size.
struct GCObject {
    let base: UnsafeMutableRawPointer

    static let headerSize = 16

    init(base: UnsafeMutableRawPointer) { self.base = base }

    /// The object a non-null slot of the any hierarchy that is neither an i31 nor a host value names.
    init(bits: UInt64) {
        // SAFETY: such a slot is always the address of one of the store's objects.
        base = UnsafeMutableRawPointer(bitPattern: UInt(bits)).unsafelyUnwrapped
    }

    var bits: UInt64 { UInt64(UInt(bitPattern: base)) }
    var typeID: Int { Int(base.load(as: UInt32.self)) }
    var isArray: Bool { base.load(fromByteOffset: 4, as: UInt32.self) != 0 }
    /// An array's length.
    var count: Int { Int(base.load(fromByteOffset: 8, as: UInt32.self)) }
    var payload: UnsafeMutableRawPointer { base + Self.headerSize }
}

/// How a field or an array element is read and written: its size, and how a packed one extends to an i32.
enum FieldAccess: UInt32 {
    case u8, s8, u16, s16, u32, u64, v128

    /// The access of `field`, sign-extending a packed one when `signed` (`_s`).
    init(_ field: FieldType, signed: Bool = false) {
        switch field.packing {
        case .i8: self = signed ? .s8 : .u8
        case .i16: self = signed ? .s16 : .u16
        case .none: self = field.byteSize == 16 ? .v128 : field.byteSize == 4 ? .u32 : .u64
        }
    }

    var byteSize: Int {
        switch self {
        case .u8, .s8: 1
        case .u16, .s16: 2
        case .u32: 4
        case .u64: 8
        case .v128: 16
        }
    }

    /// Reads the field at `address` into `slots` (two for a v128).
    @inline(__always)
    func load(at address: UnsafeRawPointer, into slots: UnsafeMutablePointer<UInt64>) {
        switch self {
        case .u8: slots[0] = UInt64(address.load(as: UInt8.self))
        case .s8: slots[0] = UInt64(UInt32(bitPattern: Int32(address.load(as: Int8.self))))
        case .u16: slots[0] = UInt64(address.loadUnaligned(as: UInt16.self))
        case .s16: slots[0] = UInt64(UInt32(bitPattern: Int32(address.loadUnaligned(as: Int16.self))))
        case .u32: slots[0] = UInt64(address.loadUnaligned(as: UInt32.self))
        case .u64: slots[0] = address.loadUnaligned(as: UInt64.self)
        case .v128:
            slots[0] = address.loadUnaligned(as: UInt64.self)
            slots[1] = address.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        }
    }

    /// Writes the value in `slots` to the field at `address`, a packed one truncated.
    @inline(__always)
    func store(at address: UnsafeMutableRawPointer, from slots: UnsafePointer<UInt64>) {
        switch self {
        case .u8, .s8: address.storeBytes(of: UInt8(truncatingIfNeeded: slots[0]), as: UInt8.self)
        case .u16, .s16: address.storeBytes(of: UInt16(truncatingIfNeeded: slots[0]), as: UInt16.self)
        case .u32: address.storeBytes(of: UInt32(truncatingIfNeeded: slots[0]), as: UInt32.self)
        case .u64: address.storeBytes(of: slots[0], as: UInt64.self)
        case .v128:
            address.storeBytes(of: slots[0], as: UInt64.self)
            address.storeBytes(of: slots[1], toByteOffset: 8, as: UInt64.self)
        }
    }
}

extension Store {
    /// Set in an externref slot that holds a value of the any hierarchy (see the file's comment).
    static let externalizedBit: UInt64 = 1 << 63
    /// The low bits of an any-hierarchy slot that holds a host value, and their value there.
    static let internalizedTagMask: UInt64 = 7
    static let internalizedTag: UInt64 = 2
    /// The largest array's payload in bytes; a larger `array.new` traps.
    static let maximumArrayBytes = 1 << 30

    /// A new zeroed struct (`count` 0) or array of store type `typeID`, whose payload takes `payloadBytes`.
    func allocateObject(typeID: Int, isArray: Bool, count: Int, payloadBytes: Int) -> GCObject {
        let base = UnsafeMutableRawPointer.allocate(byteCount: GCObject.headerSize + payloadBytes, alignment: 16)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: GCObject.headerSize + payloadBytes)
        base.storeBytes(of: UInt32(typeID), as: UInt32.self)
        base.storeBytes(of: isArray ? 1 : 0, toByteOffset: 4, as: UInt32.self)
        base.storeBytes(of: UInt32(count), toByteOffset: 8, as: UInt32.self)
        gcObjects.append(base)
        return GCObject(base: base)
    }

    /// The fields of store type `typeID`, a struct type.
    func structFields(_ typeID: Int) -> [FieldType] {
        guard case .structure(let fields) = typeDefinitions[typeID].composite else { preconditionFailure("not a struct type") }
        return fields
    }

    /// The element type of store type `typeID`, an array type.
    func arrayElement(_ typeID: Int) -> FieldType {
        guard case .array(let element) = typeDefinitions[typeID].composite else { preconditionFailure("not an array type") }
        return element
    }

    /// Where field `index` of a struct of `fields` lies in its payload.
    static func fieldOffset(_ fields: [FieldType], _ index: Int) -> Int {
        var offset = 0
        for field in fields[..<index] { offset += field.type == .v128 ? 16 : 8 }
        return offset
    }

    /// The payload bytes of a struct of `fields`.
    static func structPayloadBytes(_ fields: [FieldType]) -> Int { fieldOffset(fields, fields.count) }

    /// A module's reference type (an instruction's immediate, `ValueType.rawValue`) as the store's types name it.
    func storeType(_ rawValue: UInt32, in instance: UnsafeMutablePointer<InstanceRecord>) -> ValueType {
        ValueType(rawValue: rawValue).unsafelyUnwrapped.mappingTypeIndex { UInt32(instance.pointee.types[Int($0)].id) }
    }

    /// Whether the reference in `slot` is a value of `type` (whose concrete heap types name store type ids): null of a
    /// nullable type, or a reference whose runtime type matches.
    func isInstance(_ slot: UInt64, of type: ValueType) -> Bool {
        guard slot != 0 else { return type.isNullable }
        let heapType = type.heapType.unsafelyUnwrapped
        let top = typeHierarchy.top(heapType)
        switch top {
        case .any:
            return isReference(slot, of: heapType)
        case .func:
            // SAFETY: a non-null function reference is the address of one of the store's function records.
            let record = UnsafePointer<FunctionRecord>(bitPattern: UInt(slot)).unsafelyUnwrapped
            return HeapType.concrete(UInt32(record.pointee.typeID)).matches(heapType, typeHierarchy)
        default:
            return heapType == top
        }
    }

    /// Whether the non-null reference `bits` of the any hierarchy is one of `heapType`.
    func isReference(_ bits: UInt64, of heapType: HeapType) -> Bool {
        let isI31 = bits & 1 != 0
        let isHost = bits & Self.internalizedTagMask == Self.internalizedTag
        switch heapType {
        case .any: return true
        case .none: return false
        case .eq: return !isHost
        case .i31: return isI31
        default:
            guard !isI31, !isHost else { return false }
            return HeapType.concrete(UInt32(GCObject(bits: bits).typeID)).matches(heapType, typeHierarchy)
        }
    }

    /// `any.convert_extern` of an externref slot.
    static func internalize(_ slot: UInt64) -> UInt64 {
        if slot == 0 { return 0 }
        if slot & externalizedBit != 0 { return slot & ~externalizedBit }
        return slot << 3 | internalizedTag
    }

    /// `extern.convert_any` of an anyref slot.
    static func externalize(_ slot: UInt64) -> UInt64 {
        if slot == 0 { return 0 }
        if slot & internalizedTagMask == internalizedTag { return slot >> 3 }
        return slot | externalizedBit
    }

    /// Runs GC instruction `i` on the frame `fp` of code of `instance` (see `Opcode.structNew` and the others).
    func executeGC(_ i: Instruction, fp: UnsafeMutablePointer<UInt64>, instance: UnsafeMutablePointer<InstanceRecord>) throws(Trap) {
        let a = Int(i.a)
        func typeID(_ index: UInt32) -> Int { instance.pointee.types[Int(index)].id }
        func u32(_ slot: Int) -> Int { Int(UInt32(truncatingIfNeeded: fp[slot])) }
        func array(_ slot: Int) throws(Trap) -> GCObject {
            guard fp[slot] != 0 else { throw Trap(.nullArrayReference) }
            return GCObject(bits: fp[slot])
        }
        /// A new array of `count` elements of store type `id`.
        func newArray(_ id: Int, count: Int) throws(Trap) -> GCObject {
            let size = arrayElement(id).byteSize
            guard count <= Self.maximumArrayBytes / size else { throw Trap(.arrayTooLarge) }
            return allocateObject(typeID: id, isArray: true, count: count, payloadBytes: count * size)
        }
        /// Checks that `count` elements from `start` lie within `array`.
        func checkRange(_ array: GCObject, _ start: Int, _ count: Int) throws(Trap) {
            guard start + count <= array.count else { throw Trap(.arrayOutOfBounds) }
        }
        /// The bytes of data segment `index` from `offset`, `count` elements of `element` long; they must lie within it.
        func dataBytes(_ index: UInt32, offset: Int, count: Int, _ element: FieldType) throws(Trap) -> [UInt8] {
            let segment = instanceSegments[instance.pointee.index].data[Int(index)]
            let byteCount = count * element.byteSize
            guard offset + byteCount <= segment.range.count else { throw Trap(.memoryOutOfBounds) }
            let start = segment.range.lowerBound + offset
            return segment.source.withUnsafeBytes(in: start..<start + byteCount) { Array($0) }
        }
        /// Items of element segment `index` from `offset`; they must lie within it.
        func elementItems(_ index: UInt32, offset: Int, count: Int) throws(Trap) -> ArraySlice<UInt64> {
            let segment = instanceSegments[instance.pointee.index].elements[Int(index)]
            guard offset + count <= segment.count else { throw Trap(.tableOutOfBounds) }
            return segment[offset..<offset + count]
        }
        func copy(_ bytes: [UInt8], to address: UnsafeMutableRawPointer) {
            bytes.withUnsafeBytes { address.copyMemory(from: $0.baseAddress.unsafelyUnwrapped, byteCount: $0.count) }
        }
        func write(_ items: ArraySlice<UInt64>, to address: UnsafeMutableRawPointer) {
            for (offset, item) in items.enumerated() { address.storeBytes(of: item, toByteOffset: offset * 8, as: UInt64.self) }
        }

        switch i.opcode {
        case .structNew, .structNewDefault:
            let id = typeID(i.b)
            let fields = structFields(id)
            let structure = allocateObject(typeID: id, isArray: false, count: 0, payloadBytes: Self.structPayloadBytes(fields))
            if i.opcode == .structNew {
                var slot = a
                for (index, field) in fields.enumerated() {
                    FieldAccess(field).store(at: structure.payload + Self.fieldOffset(fields, index), from: fp + slot)
                    slot += field.type.slotCount
                }
            }
            fp[a] = structure.bits
        case .arrayNew:
            let id = typeID(i.b)
            let element = arrayElement(id)
            let created = try newArray(id, count: u32(a + element.type.slotCount))
            let access = FieldAccess(element)
            for index in 0..<created.count { access.store(at: created.payload + index * element.byteSize, from: fp + a) }
            fp[a] = created.bits
        case .arrayNewDefault:
            fp[a] = try newArray(typeID(i.b), count: u32(a)).bits
        case .arrayNewFixed:
            let id = typeID(i.b)
            let element = arrayElement(id)
            let created = try newArray(id, count: Int(i.c))
            let access = FieldAccess(element)
            for index in 0..<created.count {
                access.store(at: created.payload + index * element.byteSize, from: fp + a + index * element.type.slotCount)
            }
            fp[a] = created.bits
        case .arrayNewData:
            let id = typeID(i.b)
            let count = u32(a + 1)
            let bytes = try dataBytes(i.c, offset: u32(a), count: count, arrayElement(id))
            let created = try newArray(id, count: count)
            copy(bytes, to: created.payload)
            fp[a] = created.bits
        case .arrayNewElem:
            let id = typeID(i.b)
            let items = try elementItems(i.c, offset: u32(a), count: u32(a + 1))
            let created = try newArray(id, count: items.count)
            write(items, to: created.payload)
            fp[a] = created.bits
        case .arrayFill:
            let target = try array(a)
            let element = arrayElement(target.typeID)
            let (start, count) = (u32(a + 1), u32(a + 2 + element.type.slotCount))
            try checkRange(target, start, count)
            let access = FieldAccess(element)
            for index in start..<start + count { access.store(at: target.payload + index * element.byteSize, from: fp + a + 2) }
        case .arrayCopy:
            let destination = try array(a)
            let source = try array(a + 2)
            let (destinationStart, sourceStart, count) = (u32(a + 1), u32(a + 3), u32(a + 4))
            try checkRange(destination, destinationStart, count)
            try checkRange(source, sourceStart, count)
            let size = arrayElement(destination.typeID).byteSize
            // A memmove: the ranges may overlap within one array.
            (destination.payload + destinationStart * size).copyMemory(from: source.payload + sourceStart * size, byteCount: count * size)
        case .arrayInitData:
            let target = try array(a)
            let element = arrayElement(target.typeID)
            let (start, count) = (u32(a + 1), u32(a + 3))
            try checkRange(target, start, count)
            copy(try dataBytes(i.c, offset: u32(a + 2), count: count, element), to: target.payload + start * element.byteSize)
        case .arrayInitElem:
            let target = try array(a)
            let (start, count) = (u32(a + 1), u32(a + 3))
            try checkRange(target, start, count)
            write(try elementItems(i.c, offset: u32(a + 2), count: count), to: target.payload + start * 8)
        case .refI31:
            fp[a] = UInt64(UInt32(truncatingIfNeeded: fp[a]) & 0x7FFF_FFFF) << 1 | 1
        case .i31Get:
            guard fp[a] != 0 else { throw Trap(.nullI31Reference) }
            let value = UInt32(truncatingIfNeeded: fp[a] >> 1) & 0x7FFF_FFFF
            fp[a] = UInt64(i.c & Opcode.signedFlag != 0 ? UInt32(bitPattern: Int32(bitPattern: value << 1) >> 1) : value)
        case .refEq:
            fp[a] = fp[a] == fp[a + 1] ? 1 : 0
        case .refTest:
            fp[a] = isInstance(fp[Int(i.b)], of: storeType(i.c, in: instance)) ? 1 : 0
        case .refCast:
            guard isInstance(fp[a], of: storeType(i.c, in: instance)) else { throw Trap(.castFailure) }
        case .anyConvertExtern:
            fp[a] = Self.internalize(fp[Int(i.b)])
        case .externConvertAny:
            fp[a] = Self.externalize(fp[Int(i.b)])
        default:
            preconditionFailure("not a GC instruction")
        }
    }
}
