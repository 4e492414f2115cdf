import Glibc

/// A guest path resolved beneath a directory descriptor: the host directory holding its last component, and
/// that component's name, ready for an `*at` call that does not follow a final symbolic link.
///
/// Resolution walks one component at a time with `openat(…, O_NOFOLLOW)` from the guest's directory, reads
/// each symbolic link itself and splices its target into the walk, so the host kernel never resolves a
/// name on the guest's behalf. Absolute paths, absolute link targets and `..` above the starting directory
/// end the walk with `EPERM` (what wasmtime's preview1 returns for an escape); more than `maxSymlinkHops`
/// links end it with `ELOOP`.
final class ResolvedPath {
    /// The directory holding `name`: the starting descriptor or the last of `openedDirectories`.
    let directoryFD: Int32
    /// The final component, `.` when the path names the directory itself. Never contains `/`.
    let name: [UInt8]
    /// The path ended in `/` and the call asked for it `stripped`: the entry must be a directory.
    let mustBeDirectory: Bool
    private let openedDirectories: [Int32]

    fileprivate init(directoryFD: Int32, name: [UInt8], mustBeDirectory: Bool, openedDirectories: [Int32]) {
        self.directoryFD = directoryFD
        self.name = name
        self.mustBeDirectory = mustBeDirectory
        self.openedDirectories = openedDirectories
    }

    deinit {
        for fd in openedDirectories { close(fd) }
    }

    /// Runs `body` with the final component as a C string.
    func withName<R>(_ body: (UnsafePointer<CChar>) -> R) -> R {
        PathResolution.withCString(name, body)
    }
}

/// What a final `/` means to a call.
enum TrailingSlash {
    /// `name/` is `name/.`: `name` must resolve, links followed, to a directory, and the call acts on that
    /// directory itself (as wasmtime has it for every call but `path_create_directory`, `path_rename` and
    /// `path_remove_directory`).
    case namesTheDirectoryItself
    /// `name/` is `name`, not followed if a link, and flagged as `mustBeDirectory` for the call to check
    /// (creating, renaming or removing a directory, refusing to create a file).
    case stripped
}

enum PathResolution {
    static let maxSymlinkHops = 40
    private static let slash = UInt8(ascii: "/")
    private static let dot: [UInt8] = [UInt8(ascii: ".")]
    private static let dotDot: [UInt8] = [UInt8(ascii: "."), UInt8(ascii: ".")]

    /// Resolves `path` beneath `startFD`; with `followFinal`, a final symbolic link is followed too.
    static func resolve(
        _ path: [UInt8], from startFD: Int32, followFinal: Bool, trailingSlash: TrailingSlash = .namesTheDirectoryItself
    ) throws(WASIErrno) -> ResolvedPath {
        guard !path.isEmpty else { throw .noEntry }
        guard !path.contains(0) else { throw .illegalSequence }
        guard path.first != slash else { throw .permission }
        var pending = components(of: path)
        let endsInSlash = path.last == slash
        let mustBeDirectory = endsInSlash && trailingSlash == .stripped
        if endsInSlash && trailingSlash == .namesTheDirectoryItself { pending.append(dot) }
        var opened: [Int32] = []
        var hops = 0
        var succeeded = false
        defer {
            if !succeeded { for fd in opened { close(fd) } }
        }

        func finish(_ name: [UInt8]) -> ResolvedPath {
            succeeded = true
            return ResolvedPath(
                directoryFD: opened.last ?? startFD, name: name, mustBeDirectory: mustBeDirectory,
                openedDirectories: opened)
        }

        /// Replaces the current component by the link's target, or returns false if it is no link.
        func spliceLink(_ component: [UInt8], in directory: Int32) throws(WASIErrno) -> Bool {
            guard let target = readLink(component, in: directory) else { return false }
            hops += 1
            guard hops <= maxSymlinkHops else { throw .loop }
            guard !target.isEmpty else { throw .noEntry }
            guard target.first != slash else { throw .permission }
            var spliced = components(of: target)
            // A link to `dir/` in the last position names that directory, like a path ending in `/`.
            if pending.isEmpty && target.last == slash { spliced.append(dot) }
            pending.append(contentsOf: spliced.reversed())
            return true
        }

        // `pending` holds the components still to walk, the next one last.
        pending.reverse()
        if pending.isEmpty { return finish(dot) }
        while let component = pending.popLast() {
            let isLast = pending.isEmpty
            let directory = opened.last ?? startFD
            if component == dot {
                if isLast { return finish(dot) }
                continue
            }
            if component == dotDot {
                guard let leaving = opened.popLast() else { throw .permission }
                close(leaving)
                if isLast { return finish(dot) }
                continue
            }
            if isLast {
                if followFinal && !mustBeDirectory, try spliceLink(component, in: directory) { continue }
                return finish(component)
            }
            let next = withCString(component) {
                openat(directory, $0, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            }
            if next >= 0 {
                opened.append(next)
                continue
            }
            let failure = errno
            if failure == ELOOP || failure == ENOTDIR, try spliceLink(component, in: directory) { continue }
            throw WASIErrno(hostErrno: failure)
        }
        return finish(dot)
    }

    private static func components(of path: [UInt8]) -> [[UInt8]] {
        path.split(separator: slash, omittingEmptySubsequences: true).map(Array.init)
    }

    /// The target of the symbolic link `name` in `directory`, or nil if `name` is not one.
    static func readLink(_ name: [UInt8], in directory: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = withCString(name) { cName in
            buffer.withUnsafeMutableBytes { readlinkat(directory, cName, $0.baseAddress!, $0.count) }
        }
        guard length >= 0 else { return nil }
        return Array(buffer[..<length])
    }

    static func withCString<R>(_ bytes: [UInt8], _ body: (UnsafePointer<CChar>) -> R) -> R {
        (bytes + [0]).withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
        }
    }
}
