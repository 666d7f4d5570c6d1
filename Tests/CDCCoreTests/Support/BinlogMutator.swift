import BinlogDecoder

/// Damages binlog files the ways disks, truncating copies and hostile writers do: bit flips, changed bytes, cut
/// tails, corrupted length fields and event sizes, inserted and removed runs, duplicated events. Deterministic for a
/// given generator state.
struct BinlogMutator {
    enum Kind: String, CaseIterable {
        case bitFlip, interestingByte, randomBytes, truncate, lengthField, eventSize, insert, remove, duplicateEvent,
            dropEvent, swapTypes
    }

    static let interesting: [UInt8] = [
        0x00, 0x01, 0x02, 0x07, 0x08, 0x10, 0x13, 0x1f, 0x3f, 0x40, 0x7f, 0x80, 0x81,
        0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff,
    ]

    /// Start offsets and sizes of the events, walking headers from offset 4 while they hold together.
    static func frames(_ bytes: [UInt8]) -> [Range<Int>] {
        var frames: [Range<Int>] = []
        var offset = 4
        while let header = EventHeader.parse(bytes, at: offset) {
            let size = Int(header.eventSize)
            guard size >= EventHeader.size, size <= bytes.count - offset else { break }
            frames.append(offset..<(offset + size))
            offset += size
        }
        return frames
    }

    /// Keeps the format description and a run of whole events of at most `budget` bytes (at least one), so large
    /// files are mutated in pieces the parser gets through quickly.
    static func window(
        _ bytes: [UInt8], frames: [Range<Int>], budget: Int,
        using random: inout some RandomNumberGenerator
    ) -> [UInt8] {
        guard bytes.count > budget, let first = frames.first, frames.count > 2 else { return bytes }
        var out = Array(bytes[0..<first.upperBound])
        var index = Int.random(in: 1..<frames.count, using: &random)
        // Start at a transaction's table map when one is near, so rows events find theirs.
        for back in 0..<8 where index - back >= 1 {
            let type = bytes[frames[index - back].lowerBound + 4]
            if type == EventType.tableMap.rawValue || type == EventType.mariaAnnotateRows.rawValue {
                index -= back
                break
            }
        }
        var used = 0
        while index < frames.count && (used == 0 || used + frames[index].count <= budget) {
            out += bytes[frames[index]]
            used += frames[index].count
            index += 1
        }
        return out
    }

    /// Applies one mutation; returns its description.
    static func mutate(_ bytes: inout [UInt8], using random: inout some RandomNumberGenerator) -> String {
        let kind = Kind.allCases[Int.random(in: 0..<Kind.allCases.count, using: &random)]
        guard bytes.count > 4 else {
            bytes.append(UInt8.random(in: 0...255, using: &random))
            return "append"
        }
        // Mostly past the magic; sometimes the magic too.
        func position() -> Int {
            Int.random(in: (Int.random(in: 0..<50, using: &random) == 0 ? 0 : 4)..<bytes.count, using: &random)
        }
        let frames = Self.frames(bytes)
        func frame() -> Range<Int>? {
            frames.isEmpty ? nil : frames[Int.random(in: 0..<frames.count, using: &random)]
        }
        switch kind {
        case .bitFlip:
            let at = position()
            let bit = UInt8(1) << UInt8.random(in: 0...7, using: &random)
            bytes[at] ^= bit
            return "bitFlip \(at) ^ \(bit)"
        case .interestingByte:
            let at = position()
            bytes[at] = interesting[Int.random(in: 0..<interesting.count, using: &random)]
            return "byte \(at) = \(bytes[at])"
        case .randomBytes:
            let at = position()
            let count = min(Int.random(in: 1...8, using: &random), bytes.count - at)
            for index in at..<(at + count) { bytes[index] = UInt8.random(in: 0...255, using: &random) }
            return "random \(at)+\(count)"
        case .truncate:
            let at = Int.random(in: 0..<bytes.count, using: &random)
            bytes.removeSubrange(at...)
            return "truncate \(at)"
        case .lengthField:
            // A length-encoded integer prefix or a large little-endian count where a length is likely.
            let at = position()
            let choices: [[UInt8]] = [
                [0xfc, 0xff, 0xff], [0xfd, 0xff, 0xff, 0xff], [0xfe] + [UInt8](repeating: 0xff, count: 8),
                [0xfb], [0xff], [0xfa], [0xff, 0xff], [0xff, 0xff, 0xff, 0x7f], [0x00, 0x00, 0x00, 0x80],
                [0xfc, 0x00, 0x10], [0xfe, 0, 0, 0, 0, 1, 0, 0, 0],
            ]
            let value = choices[Int.random(in: 0..<choices.count, using: &random)]
            for (offset, byte) in value.enumerated() where at + offset < bytes.count { bytes[at + offset] = byte }
            return "length \(at) = \(value)"
        case .eventSize:
            guard let target = frame() else { return "eventSize: no frame" }
            let size = UInt32(target.count)
            let choices: [UInt32] = [
                0, 1, 18, 19, 20, 23, size &- 1, size &+ 1, size &+ 4, size &- 4, size &* 2,
                0x7fff_ffff, 0xffff_ffff, 1 << 30, (1 << 30) + 1,
                UInt32.random(in: 0...UInt32.max, using: &random),
            ]
            let value = choices[Int.random(in: 0..<choices.count, using: &random)]
            for index in 0..<4 {
                bytes[target.lowerBound + 9 + index] = UInt8(truncatingIfNeeded: value >> UInt32(8 * index))
            }
            return "eventSize \(target.lowerBound) = \(value)"
        case .insert:
            let at = position()
            let count = Int.random(in: 1...32, using: &random)
            bytes.insert(contentsOf: (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
            return "insert \(at)+\(count)"
        case .remove:
            let at = position()
            let count = min(Int.random(in: 1...32, using: &random), bytes.count - at)
            bytes.removeSubrange(at..<(at + count))
            return "remove \(at)+\(count)"
        case .duplicateEvent:
            guard let target = frame() else { return "duplicate: no frame" }
            bytes.insert(contentsOf: Array(bytes[target]), at: target.upperBound)
            return "duplicate \(target.lowerBound)"
        case .dropEvent:
            guard let target = frame() else { return "drop: no frame" }
            bytes.removeSubrange(target)
            return "drop \(target.lowerBound)"
        case .swapTypes:
            guard let target = frame() else { return "type: no frame" }
            let type = UInt8.random(in: 0...255, using: &random)
            bytes[target.lowerBound + 4] = type
            return "type \(target.lowerBound) = \(type)"
        }
    }

    /// Rewrites every framed event's last 4 bytes with the CRC32 of the rest, so damage gets past the checksum.
    static func resealChecksums(_ bytes: inout [UInt8]) {
        for frame in frames(bytes) where frame.count >= EventHeader.size + 4 {
            let crc = CRC32.checksum(bytes[frame.lowerBound..<(frame.upperBound - 4)])
            for index in 0..<4 {
                bytes[frame.upperBound - 4 + index] = UInt8(truncatingIfNeeded: crc >> UInt32(8 * index))
            }
        }
    }
}
