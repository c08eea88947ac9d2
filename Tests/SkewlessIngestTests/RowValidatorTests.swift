import SkewlessModel
import Testing
@testable import SkewlessIngest

@Suite struct RowValidatorTests {
    let now = Fixtures.now

    @Test func validCSV() throws {
        let csv = """
            user_id,event_time,txn_count_24h,txn_amount_24h,embedding,tags
            1,2025-11-21T09:00:00Z,3,12.5,"[1, 2, 3]",a;b
            2,now-5m,,,,
            3,1763719200000000,0,"",0.1;0.2;0.3,"[""x,y""]"

            """
        let rows = try Fixtures.writes(csv, .csv).get()
        #expect(rows.count == 3)
        #expect(rows[0] == CheckedRow(
            entity: ["user_id": .int64(1)], eventTime: now - 3_600_000_000, createdTime: nil,
            values: ["txn_count_24h": .int64(3), "txn_amount_24h": .double(12.5), "embedding": .embedding([1, 2, 3]), "tags": .stringList(["a", "b"])]))
        #expect(rows[1].eventTime == now - 300_000_000)
        #expect(rows[1].values["txn_count_24h"] == .some(nil))
        #expect(rows[2].values["tags"] == .some(.stringList(["x,y"])))
    }

    @Test func csvRowErrorsNameRowLineAndColumn() {
        let csv = """
            user_id,event_time,txn_count_24h
            1,now,abc
            2,now,"multi
            line"
            x,now,7
            4,,1

            """
        #expect(Fixtures.report(csv, .csv) == """
            data.csv: row 1 (line 2), column 'txn_count_24h': 'abc' is not an int64
            data.csv: row 2 (line 3), column 'txn_count_24h': 'multi
            line' is not an int64
            data.csv: row 3 (line 5), column 'user_id': 'x' is not an int64
            data.csv: row 4 (line 6), column 'event_time': every row needs an event time: \(TimeSyntax.help)
            """)
    }

    @Test func createdTimeForAllRowsOrNone() throws {
        let mixed = "user_id,event_time,created_time\n1,now,now\n2,now,\n"
        #expect(Fixtures.report(mixed, .csv) == "data.csv: row 2 (line 3), column 'created_time': no created time, but row 1 (line 2) gives one: give created_time in every row or in none (without it, the node stamps the time it receives the row)")
        let all = try Fixtures.writes("user_id,event_time,created_time\n1,now-1m,now\n", .csv).get()
        #expect(all[0].createdTime == now)
    }

    @Test func writesToANodeRefuseCreatedTimesAndSayWhereSuchRowsGo() {
        let view = Fixtures.repo.featureView(named: "user_transactions")!
        let validator = RowValidator(view: view, joinKeys: Fixtures.repo.joinKeys(of: view), now: now, refusesCreatedTime: true)
        let header = validator.problems(withColumns: ["user_id", "event_time", "created_time"], at: .header(line: 1))
        #expect(header.map(\.description) == ["header, column 'created_time': \(RowValidator.createdTimeRefusal)"])
        #expect(RowValidator.createdTimeRefusal.contains("fsctl ingest"))
        let jsonl = (1...3).map { "{\"user_id\": \($0), \"event_time\": \"now\", \"created_time\": \"now\"}" }.joined(separator: "\n")
        guard case .failure(let problems) = WriteRowsReader.writes(from: Array(jsonl.utf8), format: .jsonl, file: "data.jsonl", validator: validator) else {
            Issue.record("accepted")
            return
        }
        #expect(problems.report() == "data.jsonl: line 1, column 'created_time': \(RowValidator.createdTimeRefusal) (and on 2 more lines)")
        // Unknown columns are listed without created_time, which would not help.
        let unknown = validator.problems(withColumns: ["user_id", "event_time", "nope"], at: .header(line: 1))
        #expect(unknown.first?.message.contains("created_time") == false)
    }

    @Test func compositeKeys() throws {
        let rows = try Fixtures.writes("merchant_id,user_id,event_time,count\n007,1,now,5\n", .csv, view: "user_merchant").get()
        #expect(rows[0].entity == ["user_id": .int64(1), "merchant_id": .string("007")])
        #expect(Fixtures.report("user_id,event_time,count\n1,now,5\n", .csv, view: "user_merchant").contains("column 'merchant_id': missing"))
    }

    @Test func implausibleTimes() {
        #expect(Fixtures.report("user_id,event_time\n1,1763719200000\n", .csv).contains("looks like milliseconds"))
        #expect(Fixtures.report("user_id,event_time\n1,1763719200000000000\n", .csv).contains("looks like nanoseconds"))
    }

    @Test func anUnknownKeyIsReportedOnceWithACount() {
        let jsonl = (1...4).map { "{\"user_id\": \($0), \"event_time\": \"now\", \"age\": 3}" }.joined(separator: "\n")
        guard case .failure(let problems) = Fixtures.writes(jsonl, .jsonl) else {
            Issue.record("accepted")
            return
        }
        #expect(problems.problems.count == 1)
        #expect(problems.report().hasSuffix("(and on 3 more lines)"))
        #expect(problems.headline == "data.jsonl: 4 problems; nothing was written (lines are lines of the file, counted from 1)")
    }
}

/// Feast's column names and the plausibility of times (issue 18).
@Suite struct FeastColumnsAndPlausibleTimesTests {
    @Test func feastsEventAndCreatedTimestampNameTheSameColumns() throws {
        let csv = "user_id,event_timestamp,created_timestamp,txn_count_24h\n1,2025-11-21T09:00:00Z,2025-11-21T09:05:00Z,3\n"
        let rows = try Fixtures.writes(csv, .csv).get()
        #expect(rows.first?.eventTime == 1_763_715_600_000_000)
        #expect(rows.first?.createdTime == 1_763_715_900_000_000)
        let jsonl = "{\"user_id\": 1, \"event_timestamp\": 1763719200000000}\n"
        #expect(try Fixtures.writes(jsonl, .jsonl).get().first?.eventTime == 1_763_719_200_000_000)
    }

    @Test func bothSpellingsOfOneColumnAreAProblem() {
        let report = Fixtures.report("user_id,event_time,event_timestamp\n1,now,now\n", .csv)
        #expect(report.contains("'event_time' and 'event_timestamp' name the same column"), "\(report)")
    }

    @Test func aWriteToANodeRefusesFeastsCreatedTimestampLikeCreatedTime() {
        let validator = Fixtures.validator(refusesCreatedTime: true)
        let problems = validator.problems(withColumns: ["user_id", "event_timestamp", "created_timestamp"], at: .header(line: 1))
        #expect(problems.map(\.column) == ["created_timestamp"])
        #expect(problems.first?.message == RowValidator.createdTimeRefusal)
    }

    @Test func numbersThatLookLikeSecondsMillisecondsOrNanosecondsAreNotTimes() {
        #expect(PlausibleTime.problem(1_763_719_200)?.contains("looks like seconds") == true)
        #expect(PlausibleTime.problem(1_763_719_200_000)?.contains("looks like milliseconds") == true)
        #expect(PlausibleTime.problem(1_763_719_200_000_000_000)?.contains("looks like nanoseconds") == true)
        #expect(PlausibleTime.problem(1_763_719_200_000_000) == nil)
    }

    @Test func labelTimesInSecondsAreRefused() {
        let repo = Fixtures.repo
        let view = try! repo.featureView(qualified: "user_transactions")
        let result = LabelFile.read(Array("user_id,timestamp\n1,1763719200\n".utf8), format: .csv, file: "labels.csv", joinKeys: repo.joinKeys(of: view), timeColumn: "timestamp", now: Fixtures.now)
        guard case .failure(let problems) = result else {
            Issue.record("label times in seconds were read")
            return
        }
        #expect("\(problems)".contains("looks like seconds"), "\(problems)")
    }

    @Test func labelsWithoutATimestampColumnUseFeastsEventTimestamp() throws {
        let repo = Fixtures.repo
        let view = try repo.featureView(qualified: "user_transactions")
        let labels = try LabelFile.read(Array("user_id,event_timestamp\n1,1763719200000000\n".utf8), format: .csv, file: "labels.csv", joinKeys: repo.joinKeys(of: view), timeColumn: "timestamp", fallbackTimeColumns: ["event_timestamp"], now: Fixtures.now).get()
        #expect(labels.times == [1_763_719_200_000_000])
    }
}
