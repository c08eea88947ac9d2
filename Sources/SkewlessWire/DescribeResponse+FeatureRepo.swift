import SkewlessModel

extension Skewless_V1_DescribeResponse {
    /// The wire description of every definition in a repo.
    package init(repo: FeatureRepo) {
        self.init()
        project = repo.project
        entities = repo.entities.map { entity in
            var wire = Skewless_V1_EntityDescription()
            wire.name = entity.name
            wire.description_p = entity.description
            wire.joinKeys = entity.joinKeys.map { key in
                var wireKey = Skewless_V1_JoinKeyDescription()
                wireKey.name = key.name
                wireKey.type = key.type == .int64 ? .int64 : .string
                return wireKey
            }
            return wire
        }
        featureViews = repo.featureViews.map { view in
            var wire = Skewless_V1_FeatureViewDescription()
            wire.name = view.name
            wire.version = UInt32(view.version)
            wire.entities = view.entities
            wire.ttlSeconds = UInt64(view.ttlSeconds)
            wire.stalenessPolicy = Skewless_V1_StalenessPolicy(view.stalenessPolicy)
            wire.owner = view.owner
            wire.description_p = view.description
            wire.tags = view.tags
            wire.fields = view.fields.map { field in
                var wireField = Skewless_V1_FieldDescription()
                wireField.name = field.name
                wireField.type = Skewless_V1_ValueType(field.type)
                if case .embedding(let dimension) = field.type.storage { wireField.embeddingDimension = UInt32(dimension) }
                if let value = field.defaultValue {
                    wireField.defaultValue = Skewless_V1_ValueColumn(value)
                }
                wireField.description_p = field.description
                return wireField
            }
            return wire
        }
        featureServices = repo.featureServices.map { service in
            var wire = Skewless_V1_FeatureServiceDescription()
            wire.name = service.name
            wire.features = service.features.map(\.description)
            wire.owner = service.owner
            wire.description_p = service.description
            return wire
        }
    }

    /// The repo a node described, validated again on this side.
    package func featureRepo() throws(SkewlessError) -> FeatureRepo {
        let entities = try self.entities.map { (wire: Skewless_V1_EntityDescription) throws(SkewlessError) -> Entity in
            let keys = try wire.joinKeys.map { (key: Skewless_V1_JoinKeyDescription) throws(SkewlessError) -> JoinKey in
                switch key.type {
                case .int64: return JoinKey(name: key.name, type: .int64)
                case .string: return JoinKey(name: key.name, type: .string)
                default: throw SkewlessError(.invalidArgument, "join key '\(key.name)' of entity '\(wire.name)' has type \(key.type), not int64 or string")
                }
            }
            return Entity(name: wire.name, joinKeys: keys, description: wire.description_p)
        }
        let views = try featureViews.map { (wire: Skewless_V1_FeatureViewDescription) throws(SkewlessError) -> FeatureView in
            let fields = try wire.fields.map { (field: Skewless_V1_FieldDescription) throws(SkewlessError) -> Field in
                let type = try FeatureType(wire: field.type, embeddingDimension: Int(field.embeddingDimension))
                let defaultValue = field.hasDefaultValue
                    ? try field.defaultValue.singleValue(as: type, subject: "the default of field '\(field.name)' of view '\(wire.name)'")
                    : nil
                return Field(name: field.name, type: type, defaultValue: defaultValue, description: field.description_p)
            }
            guard let policy = StalenessPolicy(wire: wire.stalenessPolicy) else {
                throw SkewlessError(.invalidArgument, "feature view '\(wire.name)' has an unknown staleness policy \(wire.stalenessPolicy.rawValue)")
            }
            return FeatureView(
                name: wire.name, version: Int(wire.version), entities: wire.entities, fields: fields,
                ttlSeconds: Int64(clamping: wire.ttlSeconds), stalenessPolicy: policy, owner: wire.owner,
                description: wire.description_p, tags: wire.tags)
        }
        let services = try featureServices.map { (wire: Skewless_V1_FeatureServiceDescription) throws(SkewlessError) -> FeatureService in
            let references = try wire.features.map { (text: String) throws(SkewlessError) -> FeatureReference in try FeatureReference(parsing: text) }
            return FeatureService(name: wire.name, features: references, owner: wire.owner, description: wire.description_p)
        }
        do throws(DefinitionProblem) {
            return try FeatureRepo(project: project, entities: entities, featureViews: views, featureServices: services)
        } catch {
            throw SkewlessError(.invalidArgument, "the node's definitions do not validate here: \(error.message)")
        }
    }
}
