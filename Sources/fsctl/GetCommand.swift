import ArgumentParser
import Foundation
import Skewless
import SkewlessIngest

/// `fsctl get`: fetches a feature service, or named features, for some entities.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Fetch the latest features of entities from a node.",
        discussion: """
            Each value shows its status: 0.25 (present), 0 (defaulted), 1.2 (stale), - (null), - (not found).

            Join key values are typed by the node's definitions: merchant_id=123 is the string "123" when merchant_id is a string key.

            Examples:
              fsctl get --service fraud_detection_v1 \\
                  --entity user_id=1,merchant_id=m-1 --entity user_id=2,merchant_id=m-2
              fsctl get --features user_profile@1:country,item_embedding:category \\
                  --entity user_id=3,item_id=1
              fsctl get --service recommendation_v1 --entities-file e.jsonl --format json
            """)

    @OptionGroup var nodeOptions: NodeOptions

    @Option(help: "A feature service.")
    var service: String?

    @Option(help: ArgumentHelp("Features, comma-separated: view:field or view@version:field. Repeatable.", valueName: "view:field,..."))
    var features: [String] = []

    @Option(name: .customLong("entity"), help: ArgumentHelp("An entity's join keys: user_id=42, or user_id=1,merchant_id=m-1. Repeatable.", valueName: "key=value,..."))
    var entities: [String] = []

    @Option(help: "A JSON Lines file of entities, one object of join keys per line, e.g. {\"user_id\": 42}.")
    var entitiesFile: String?

    @Option(help: "auto (table if it fits the terminal, else list), table, list or json.")
    var format: OutputFormat = .auto

    func validate() throws {
        guard (service == nil) != features.isEmpty else {
            throw ValidationError("give either --service NAME or --features view:field,...")
        }
        guard !entities.isEmpty || entitiesFile != nil else {
            throw ValidationError("give at least one --entity key=value (or --entities-file)")
        }
    }

    func run() async throws {
        try await CommandFailure.reporting(node: nodeOptions.node) {
            let arguments = try entities.map { (text: String) throws(CommandFailure) -> EntityArgument in
                do throws(InvalidValue) {
                    return try EntityArgument(parsing: text)
                } catch {
                    throw CommandFailure(error.message, exitCode: CommandFailure.rejectedInput)
                }
            }
            let fileBytes = try entitiesFile.map { try InputFile.read($0) }
            let featureNames = features.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            let now = WallClock.nowMicros()
            let fetched = try await nodeOptions.withClient(defaultTimeoutMilliseconds: 1_000) { client in
                let keyTypes = Self.keyTypes(of: try await client.describe())
                var keys: [[FetchedEntity.Key]] = []
                for argument in arguments {
                    do throws(InvalidValue) {
                        keys.append(try argument.keys(keyTypes: keyTypes))
                    } catch {
                        throw CommandFailure("--entity: \(error.message)", exitCode: CommandFailure.rejectedInput)
                    }
                }
                if let entitiesFile, let fileBytes {
                    keys += try EntityArgument.entities(fromJSONLines: fileBytes, file: entitiesFile, keyTypes: keyTypes).get()
                }
                guard !keys.isEmpty else {
                    throw CommandFailure("no entities: \(entitiesFile ?? "the entities file") has no lines with join keys", exitCode: CommandFailure.rejectedInput)
                }
                let request = keys.map { Dictionary($0.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first }) }
                let response: OnlineFeatures
                if let service {
                    response = try await client.getOnlineFeatures(service: service, entities: request)
                } else {
                    response = try await client.getOnlineFeatures(features: featureNames, entities: request)
                }
                return zip(keys, response.rows).map { keys, row in
                    FetchedEntity(keys: keys, features: response.featureNames.map { name in
                        FetchedEntity.Feature(name: name, value: row.value(name), status: row.status(name) ?? .notFound, eventTime: row.eventTime(name))
                    })
                }
            }
            switch format {
            case .json:
                print(FeaturesPrinter.json(fetched).serialized())
            case .table:
                print(FeaturesPrinter.table(fetched).render())
            case .list:
                print(FeaturesPrinter.list(fetched, now: now))
            case .auto:
                let table = FeaturesPrinter.table(fetched)
                if table.width <= Terminal.width() {
                    print(table.render())
                } else {
                    print(FeaturesPrinter.list(fetched, now: now))
                }
            }
        }
    }

    /// Every join key of the repo by name (a name has one type across a repo).
    static func keyTypes(of repo: FeatureRepo) -> [String: KeyType] {
        var types: [String: KeyType] = [:]
        for key in repo.entities.flatMap(\.joinKeys) { types[key.name] = key.type }
        return types
    }
}
