/// Who may do what on the nodes serving a feature repo, declared in the repo under `access:`
/// (docs/feature-repo.md, "Access"). It matters only on nodes that require authentication;
/// there, what it does not grant is refused (`PERMISSION_DENIED`).
///
/// Principals are named as the node authenticates them: a JWT's subject, an API key's name, a
/// client certificate's common name. A *subject* in the policy is a principal's name,
/// `group:NAME` (the members the policy lists under `groups`, and principals whose token
/// claims the group), or `*` (every authenticated principal).
public struct AccessPolicy: Sendable, Hashable {
    /// Group name -> the principals in it.
    public var groups: [String: [String]]
    /// Subjects that may call the admin methods (cluster map, materialize, export, digest).
    /// Being an admin grants no feature data: reads and writes need grants like everyone's.
    public var admins: [String]
    /// Subjects that are nodes of the cluster (their certificates' or tokens' principals):
    /// they may call every method, as replication and repair need.
    public var peers: [String]
    public var grants: [AccessGrant]

    /// Nobody may do anything but the handshake, HEALTH, DESCRIBE and GET_CLUSTER_MAP.
    public static let denyAll = AccessPolicy()

    public init(groups: [String: [String]] = [:], admins: [String] = [], peers: [String] = [], grants: [AccessGrant] = []) {
        self.groups = groups
        self.admins = admins
        self.peers = peers
        self.grants = grants
    }

    /// The subject that means every authenticated principal.
    public static let everyone = "*"
    /// The prefix of a subject that names a group.
    public static let groupPrefix = "group:"

    /// The groups `principal` is in: those listing it, and `claimed` (from its token).
    public func groups(of principal: String, claimed: [String] = []) -> Set<String> {
        var result = Set(claimed)
        for (group, members) in groups where members.contains(principal) {
            result.insert(group)
        }
        return result
    }

    /// Whether `subject` names `principal` (a member of `groups`).
    public static func subject(_ subject: String, matches principal: String, groups: Set<String>) -> Bool {
        if subject == everyone { return true }
        if subject.hasPrefix(groupPrefix) {
            return groups.contains(String(subject.dropFirst(groupPrefix.count)))
        }
        return subject == principal
    }

    public func isAdmin(_ principal: String, groups: Set<String>) -> Bool {
        admins.contains { Self.subject($0, matches: principal, groups: groups) }
    }

    public func isPeer(_ principal: String, groups: Set<String>) -> Bool {
        peers.contains { Self.subject($0, matches: principal, groups: groups) }
    }

    /// The grants that name `principal`.
    public func grants(for principal: String, groups: Set<String>) -> [AccessGrant] {
        grants.filter { grant in grant.to.contains { Self.subject($0, matches: principal, groups: groups) } }
    }
}
