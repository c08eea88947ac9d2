import Testing
@testable import SkewlessOfflineStore
