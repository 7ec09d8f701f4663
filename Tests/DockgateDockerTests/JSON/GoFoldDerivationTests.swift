import Testing
@testable import DockgateDocker

/// An independent derivation of Go's simple-fold orbits from Swift's own Unicode data, to check the
/// generated `GoSimpleFoldTable` (THREATS.md G-2).
///
/// Derivation: link every scalar to its lower-, upper- and titlecase mapping when that mapping is a
/// single scalar, close the links transitively (union-find), and take each class's smallest member.
/// Swift's mappings are the full ones (SpecialCasing.txt), so multi-scalar results (ß → "SS",
/// İ → "i̇") carry no link, which matches simple folding. The Turkic pair needs one exception:
/// ı U+0131 upper-cases to "I", but CaseFolding.txt gives ı no C/S folding, so Go keeps ı alone and
/// the link is dropped. Only scalars assigned by Unicode 14.0 (the table's version) are compared.
struct GoFoldDerivationTests {
    private static func derivedOrbitMinimum() -> [UInt32: UInt32] {
        var parent: [UInt32: UInt32] = [:]
        func find(_ x: UInt32) -> UInt32 {
            var root = x
            while let next = parent[root], next != root { root = next }
            var node = x
            while let next = parent[node], next != root {
                parent[node] = root
                node = next
            }
            return root
        }
        func union(_ a: UInt32, _ b: UInt32) {
            let ra = find(a), rb = find(b)
            if ra == rb { return }
            // Keep the smaller value as the root, so find() yields the class minimum.
            if ra < rb { parent[rb] = ra; parent[ra] = ra } else { parent[ra] = rb; parent[rb] = rb }
        }
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value), assignedBy14(scalar), value != 0x131 else { continue }
            let props = scalar.properties
            for mapping in [props.lowercaseMapping, props.uppercaseMapping, props.titlecaseMapping] {
                let scalars = mapping.unicodeScalars
                guard scalars.count == 1, let other = scalars.first, other != scalar, assignedBy14(other) else { continue }
                union(value, other.value)
            }
        }
        var result: [UInt32: UInt32] = [:]
        for key in parent.keys {
            let minimum = find(key)
            if key >= 0x80, minimum != key { result[key] = minimum }
        }
        return result
    }

    private static func assignedBy14(_ scalar: Unicode.Scalar) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < 14 || (age.major == 14 && age.minor == 0)
    }

    /// Every non-ASCII scalar assigned by Unicode 14.0 folds to the same orbit minimum in the table as
    /// in the derivation from Swift's case mappings.
    @Test func tableMatchesDerivationFromSwiftProperties() {
        let derived = Self.derivedOrbitMinimum()
        var table: [UInt32: UInt32] = [:]
        let pairs = GoSimpleFoldTable.pairs
        for index in stride(from: 0, to: pairs.count, by: 2) { table[pairs[index]] = pairs[index + 1] }
        let onlyDerived = derived.filter { table[$0.key] != $0.value }.sorted { $0.key < $1.key }
        let onlyTable = table.filter { derived[$0.key] != $0.value }.sorted { $0.key < $1.key }
        #expect(onlyDerived.isEmpty, "derived but not in the table: \(onlyDerived.prefix(40).map { String($0.key, radix: 16) + "→" + String($0.value, radix: 16) })")
        #expect(onlyTable.isEmpty, "in the table but not derived: \(onlyTable.prefix(40).map { String($0.key, radix: 16) + "→" + String($0.value, radix: 16) })")
    }
}
