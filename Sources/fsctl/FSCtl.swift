import ArgumentParser

/// `fsctl`: the operator's and data scientist's command line for a Skewless feature repo
/// and node.
@main
struct FSCtl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsctl",
        abstract: "Validate and describe feature repos; read and write features on a Skewless node.",
        discussion: """
            Start a node with:  fsnode --repo examples/feature_repo
            then, for example:
              fsctl put --view user_transactions --file examples/data/user_transactions.csv
              fsctl get --service fraud_detection_v1 --entity user_id=1,merchant_id=m-1

            Exit status: 0 success; 1 failure (an invalid repo, an unreadable file, an unexpected node error); 2 rejected input (invalid rows, an unknown view, feature, service or join key, a malformed key); 3 node unavailable; 4 deadline exceeded; 5 failed precondition (a fail-closed view with stale rows); 6 replicas differ (fsctl verify); 64 command-line usage.
            """,
        subcommands: [
            ValidateCommand.self, DescribeCommand.self, GetCommand.self, PutCommand.self, PushCommand.self, HealthCommand.self,
            IngestCommand.self, HistoricalCommand.self, CompactCommand.self, ClusterCommand.self, StatusCommand.self, RebalanceCommand.self,
            MaterializeCommand.self, NodeCommand.self, ControllerCommand.self, VerifyCommand.self, DriftCommand.self, CheckCommand.self,
            ServedLogCommand.self, AuditCommand.self,
        ])
}
