import Testing
@testable import SkewlessCluster
