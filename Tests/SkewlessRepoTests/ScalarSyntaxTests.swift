import Testing

@testable import SkewlessRepo

@Suite struct ScalarSyntaxTests {
    @Test func nullSpellings() {
        for text in ["", "~", "null", "Null", "NULL"] { #expect(ScalarSyntax.isNull(text)) }
        for text in ["nil", "none", "0", "NuLL"] { #expect(!ScalarSyntax.isNull(text)) }
    }

    @Test func booleansAreYAML12() {
        #expect(ScalarSyntax.bool("true") == true)
        #expect(ScalarSyntax.bool("FALSE") == false)
        for text in ["yes", "no", "on", "off", "1", "0", "tRUE"] { #expect(ScalarSyntax.bool(text) == nil) }
    }

    @Test func integersAreDecimal() {
        #expect(ScalarSyntax.int64("42") == 42)
        #expect(ScalarSyntax.int64("-7") == -7)
        #expect(ScalarSyntax.int64("+7") == 7)
        #expect(ScalarSyntax.int64("010") == 10)
        #expect(ScalarSyntax.int64("9223372036854775807") == .max)
        #expect(ScalarSyntax.int64("9223372036854775808") == nil)
        #expect(ScalarSyntax.looksLikeInteger("9223372036854775808"))
        for text in ["", "-", "1.0", "0x10", "1_000", "1e3", " 1", "١"] { #expect(ScalarSyntax.int64(text) == nil, "\(text)") }
    }

    @Test func numbers() {
        #expect(ScalarSyntax.number("0") == 0)
        #expect(ScalarSyntax.number("-1.5") == -1.5)
        #expect(ScalarSyntax.number(".5") == 0.5)
        #expect(ScalarSyntax.number("5.") == 5)
        #expect(ScalarSyntax.number("2.5e-3") == 0.0025)
        #expect(ScalarSyntax.number("1E+2") == 100)
        #expect(ScalarSyntax.number(".inf") == .infinity)
        #expect(ScalarSyntax.number("-.Inf") == -.infinity)
        #expect(ScalarSyntax.number(".nan")?.isNaN == true)
        for text in ["", ".", "e3", "1e", "inf", "nan", "infinity", "0x1p3", "1.2.3", "1,5", "--1"] {
            #expect(ScalarSyntax.number(text) == nil, "\(text)")
        }
    }
}
