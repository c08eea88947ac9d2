import NIOCore
import Testing
@testable import SkewlessWire

@Suite struct RequestEncodingTests {
    static func requests() -> [Skewless_V1_GetOnlineFeaturesRequest] {
        var byService = Skewless_V1_GetOnlineFeaturesRequest()
        byService.featureService = "fraud_detection_v1"
        var ids = Skewless_V1_EntityKeyColumn()
        ids.joinKey = "user_id"
        ids.int64Values = [0, 1, -1, .max, .min, 300]
        byService.entities = [ids]

        var byList = Skewless_V1_GetOnlineFeaturesRequest()
        var list = Skewless_V1_FeatureList()
        list.features = ["user_transactions:txn_count_1h", "merchant_risk@2:score", ""]
        byList.features = list
        var merchants = Skewless_V1_EntityKeyColumn()
        merchants.joinKey = "merchant_id"
        merchants.stringValues = ["m-1", "", "ü😀"]
        var empty = Skewless_V1_EntityKeyColumn()
        empty.joinKey = ""
        byList.entities = [ids, merchants, empty]

        var emptyList = Skewless_V1_GetOnlineFeaturesRequest()
        emptyList.features = Skewless_V1_FeatureList()

        // A cluster client's piece of a logged read: its request id and the service.
        var logged = byList
        logged.requestID = "0123456789abcdef0123456789abcdef"
        logged.servedService = "fraud_detection_v1"
        var withID = byService
        withID.requestID = "ü-request"
        return [byService, byList, emptyList, Skewless_V1_GetOnlineFeaturesRequest(), logged, withID]
    }

    @Test func getOnlineFeaturesRequestsAreWhatSwiftProtobufWrites() throws {
        for request in Self.requests() {
            let expected: [UInt8] = try request.serializedBytes()
            #expect(RequestEncoding.encode(request) == expected)
            #expect(try Skewless_V1_GetOnlineFeaturesRequest(serializedBytes: RequestEncoding.encode(request)) == request)
        }
    }

    @Test(arguments: [(UInt64(0), UInt64(0)), (1, 50_000), (.max, .max), (300, 1)])
    func requestFramesAreWhatSwiftProtobufWrites(requestID: UInt64, timeoutMicros: UInt64) throws {
        for method in [Skewless_V1_Method.unspecified, .getOnlineFeatures, .health] {
            for payload in [[], [UInt8](repeating: 7, count: 200)] {
                var frame = Skewless_V1_RequestFrame()
                frame.requestID = requestID
                frame.method = method
                frame.timeoutMicros = timeoutMicros
                frame.payload = .init(payload)
                var expected = ByteBuffer()
                try FrameEncoder.write(frame, into: &expected)
                var buffer = ByteBuffer()
                RequestEncoding.writeFrame(requestID: requestID, method: method.rawValue, timeoutMicros: timeoutMicros, payload: payload, into: &buffer)
                #expect(buffer == expected)
            }
        }
    }
}
