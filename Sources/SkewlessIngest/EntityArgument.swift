import Foundation
import SkewlessModel
import SkewlessRepo

/// The entities of `fsctl get`: `--entity user_id=42` or, for a composite key,
/// `--entity user_id=1,merchant_id=m-1`; or a JSON Lines file of objects such as
/// `{"user_id": 1, "merchant_id": "m-1"}`.
///
/// Values are typed by the node's definitions (a join key name has one type across a
/// repo), so a string key that looks numeric (`merchant_id=123`) stays a string.
package struct EntityArgument: Sendable, Hashable {
    struct Pair: Sendable, Hashable {
        var name: String
        var text: String
    }

    var pairs: [Pair]

    /// Parses `name=value[,name=value...]`. A value runs to the next comma; the first `=`
    /// of a pair separates name and value, so a value may hold `=` but not `,`.
    package init(parsing text: String) throws(InvalidValue) {
        var pairs: [Pair] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let equals = part.firstIndex(of: "=") else {
                throw InvalidValue("'\(part)' in --entity '\(text)' is not name=value; write e.g. --entity user_id=42 or --entity user_id=1,merchant_id=m-1")
            }
            let name = part[..<equals].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else {
                throw InvalidValue("'\(part)' in --entity '\(text)' has no join key name before '='")
            }
            guard !pairs.contains(where: { $0.name == name }) else {
                throw InvalidValue("--entity '\(text)' gives join key '\(name)' twice")
            }
            pairs.append(Pair(name: name, text: String(part[part.index(after: equals)...])))
        }
        self.pairs = pairs
    }

    /// The typed keys. `keyTypes`: every join key of the repo by name.
    package func keys(keyTypes: [String: KeyType]) throws(InvalidValue) -> [FetchedEntity.Key] {
        try pairs.map { (pair: Pair) throws(InvalidValue) -> FetchedEntity.Key in
            let type = try Self.type(of: pair.name, keyTypes: keyTypes)
            do throws(InvalidValue) {
                guard let part = try ValueParser.keyPart(of: .text(pair.text, isQuoted: true), as: type) else {
                    throw InvalidValue("no value")
                }
                return FetchedEntity.Key(name: pair.name, value: part)
            } catch {
                throw InvalidValue("join key '\(pair.name)' (\(type.rawValue)): \(error.message)")
            }
        }
    }

    /// The entities of a JSON Lines file, or every problem of it.
    package static func entities(fromJSONLines bytes: [UInt8], file: String, keyTypes: [String: KeyType]) -> Result<[[FetchedEntity.Key]], InputProblems> {
        let output = JSONLinesRowReader.read(bytes)
        var problems = output.problems
        var entities: [[FetchedEntity.Key]] = []
        for row in output.rows {
            var keys: [FetchedEntity.Key] = []
            for named in row.cells {
                do throws(InvalidValue) {
                    let type = try Self.type(of: named.name, keyTypes: keyTypes)
                    guard let part = try ValueParser.keyPart(of: named.cell, as: type) else {
                        throw InvalidValue("the join key has no value")
                    }
                    keys.append(FetchedEntity.Key(name: named.name, value: part))
                } catch {
                    problems.append(InputProblem(row.location, column: named.name, error.message))
                }
            }
            if row.cells.isEmpty {
                problems.append(InputProblem(row.location, "no join keys: write e.g. {\"user_id\": 42}"))
            }
            entities.append(keys)
        }
        guard problems.isEmpty else {
            let ordered = problems.sorted { $0.location.line < $1.location.line }
            return .failure(InputProblems(file: file, problems: ordered, counting: JSONLinesRowReader.counting, consequence: "nothing was fetched"))
        }
        return .success(entities)
    }

    private static func type(of name: String, keyTypes: [String: KeyType]) throws(InvalidValue) -> KeyType {
        guard let type = keyTypes[name] else {
            let known = keyTypes.keys.sorted()
            throw InvalidValue("'\(name)' is not a join key of any entity\(NameSuggestion.hint(for: name, among: known)); the join keys are \(known.joined(separator: ", "))")
        }
        return type
    }
}
