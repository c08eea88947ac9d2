import SkewlessModel
import Synchronization

/// The repo's access policy, numbered for `FieldSet`s, with each principal's rights resolved
/// once and cached (a reconnecting client costs a dictionary lookup, not a resolution).
final class AccessControl: Sendable {
    let numbering: FieldNumbering
    let policy: AccessPolicy
    private let cache = Mutex<[CacheKey: AccessRights]>([:])
    /// Principals cached at most; past it, the cache starts again.
    static let maximumCached = 4_096

    private struct CacheKey: Hashable {
        var principal: String
        var groups: [String]
    }

    init(repo: FeatureRepo) {
        numbering = FieldNumbering(repo: repo)
        policy = repo.access ?? .denyAll
    }

    func rights(for identity: Identity) -> AccessRights {
        let key = CacheKey(principal: identity.principal, groups: identity.claimedGroups)
        if let rights = cache.withLock({ $0[key] }) { return rights }
        let rights = AccessRights(principal: identity.principal, claimedGroups: identity.claimedGroups, policy: policy, numbering: numbering)
        cache.withLock { cache in
            if cache.count >= Self.maximumCached { cache.removeAll() }
            cache[key] = rights
        }
        return rights
    }
}
