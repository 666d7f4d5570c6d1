#!/usr/bin/env python3
"""add_fuzz_regression.py NAME INPUT NOTEFILE VERIFY(true/false)

Appends an input that trapped or hung the parser (the fuzz test leaves it at $TMPDIR/binlog-sink-fuzz-<pid>/input.000001,
its note in input.txt; libFuzzer in .build-fuzz/artifacts/) to Tests/CDCCoreTests/Support/FuzzRegressions.swift, where
BinlogParserFuzzTests.regressions replays it. VERIFY: whether checksums are verified (false for "checksums 1" notes).
"""
import sys, os
name, path, notefile, verify = sys.argv[1:5]
target = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "Tests/CDCCoreTests/Support/FuzzRegressions.swift")
data = open(path, "rb").read()
note = open(notefile).read().strip().replace("\\", "\\\\").replace('"', '\\"')
hexs = data.hex()
lines = [hexs[i:i+96] for i in range(0, len(hexs), 96)]
case = '''        Case(
            name: "%s",
            found: "%s",
            verifyChecksums: %s,
            hex: """
%s
                """),
''' % (name, note, verify, "".join("                " + l + "\n" for l in lines).rstrip("\n"))
if not os.path.exists(target):
    head = '''/// Inputs the fuzzers found that trapped or hung the parser before a fix, kept as regression tests
/// (BinlogParserFuzzTests.regressions). `found`: the fuzz note (seed, iteration, seed file, mutations).
enum FuzzRegressions {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let found: String
        let verifyChecksums: Bool
        let hex: String
        var description: String { name }
    }

    static let cases: [Case] = [
    ]
}
'''
    open(target, "w").write(head)
s = open(target).read()
marker = "    ]\n}\n"
idx = s.rindex(marker)
s = s[:idx] + case + s[idx:]
open(target, "w").write(s)
print("added", name, len(data), "bytes")
