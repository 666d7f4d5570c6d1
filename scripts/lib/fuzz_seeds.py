"""Seeds for scripts/fuzz: writes the starting corpus of one libFuzzer target.

Environment: FIXTURES (../shared/fixtures, may be missing), ROOT (the project), CORPUS (the folder to fill), TARGET.
Sources: the fixture binlogs (whole files, windows of large ones, single events, JSON column values and partial JSON
diffs), the MariaDB shop binlog the tests embed (Tests/TestSupport/MariaDBShopBinlog.swift), the fixtures' DDL, and
the project's connector files (connectors/*.yaml, the YAML blocks of docs/configuration.md).
"""
import glob
import hashlib
import os
import re
import struct
import sys

fixtures, root, corpus, target = (os.environ[k] for k in ("FIXTURES", "ROOT", "CORPUS", "TARGET"))

ROWS_TYPES = {20, 21, 22, 23, 24, 25, 30, 31, 32, 39, 166, 167, 168, 169, 170, 171}


def save(name, data):
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    with open(os.path.join(corpus, name), "wb") as f:
        f.write(data)


def binlogs():
    """(name, bytes) of every fixture binlog and the tests' shop binlog."""
    for path in sorted(glob.glob(fixtures + "/mysql/*")):
        name = os.path.basename(path)
        if name.endswith((".txt", ".md", ".json")) or name == "SHA256SUMS":
            continue
        yield "mysql_" + name, open(path, "rb").read()
    for path in sorted(glob.glob(fixtures + "/mariadb/*/mysql-bin.[0-9]*[0-9]")):
        yield path[len(fixtures) + 1:].replace("/", "_"), open(path, "rb").read()
    shop = os.path.join(root, "Tests/TestSupport/MariaDBShopBinlog.swift")
    if os.path.exists(shop):
        text = open(shop, encoding="utf-8").read()
        match = re.search(r'"""(.*?)"""', text, re.S)
        if match:
            yield "shop", bytes.fromhex(re.sub(r"\s", "", match.group(1)))


def frames(data):
    out, pos = [], 4
    while pos + 19 <= len(data):
        size = struct.unpack_from("<I", data, pos + 9)[0]
        if size < 19 or pos + size > len(data):
            break
        out.append((pos, size))
        pos += size
    return out


def flavor(data, fr):
    """0 for MariaDB, 1 for MySQL 8+, None for others; CRC32 files only (the event target's descriptions)."""
    if not fr or data[fr[0][0] + 4] != 15:
        return None
    pos, size = fr[0]
    event = data[pos:pos + size]
    version = event[21:71].split(b"\0")[0].decode(errors="replace")
    if event[-5] != 1:
        return None
    if "MariaDB" in version:
        return 0
    if version.split(".")[0] in ("8", "9"):
        return 1
    return None


def table_map(body):
    """(table id, column types, metadata) of a TABLE_MAP body."""
    r = 8
    r += 2 + body[r]
    r += 2 + body[r]
    n = body[r]
    r += 1
    types = list(body[r:r + n])
    r += n
    r += 1
    metas = []
    for t in types:
        if t in (15, 246, 247, 248, 253, 254, 16):
            metas.append(struct.unpack_from("<H", body, r)[0])
            r += 2
        elif t in (4, 5, 17, 18, 19, 245, 249, 250, 251, 252, 255, 242):
            metas.append(body[r])
            r += 1
        else:
            metas.append(0)
    return struct.unpack_from("<I", body, 0)[0], types, metas


def json_values(data):
    """(document, diff) pairs from rows events over tables of INT, VARCHAR and JSON columns: documents alone
    (diff empty) and, from PARTIAL_UPDATE_ROWS, a diff vector with the before document (the last one seen in the
    column when the event does not carry it)."""
    tables, last = {}, {}
    for pos, size in frames(data):
        kind = data[pos + 4]
        body = data[pos + 19:pos + size - 4]
        try:
            if kind == 19:
                tid, types, metas = table_map(body)
                tables[tid] = (types, metas)
                continue
            if kind not in (30, 31, 39):
                continue
            types, metas = tables.get(struct.unpack_from("<I", body, 0)[0], ([], []))
            if 245 not in types or set(types) - {3, 15, 245}:
                continue
            n = len(types)
            bitmap = (n + 7) // 8
            r = 8 + struct.unpack_from("<H", body, 8)[0]
            if body[r] != n:
                continue
            r += 1
            present = [body[r:r + bitmap]]
            r += bitmap
            if kind != 30:
                present.append(body[r:r + bitmap])
                r += bitmap
            columns = [[i for i in range(n) if bits[i // 8] & (1 << (i % 8))] for bits in present]

            def image(r, columns, partial=()):
                nulls = body[r:r + (len(columns) + 7) // 8]
                r += (len(columns) + 7) // 8
                values = {}
                json_order = {c: j for j, c in enumerate(c for c in range(n) if types[c] == 245)}
                for slot, i in enumerate(columns):
                    t = types[i]
                    if nulls[slot // 8] & (1 << (slot % 8)):
                        continue
                    if t == 3:
                        r += 4
                    elif t == 15:
                        length = body[r] if metas[i] < 256 else struct.unpack_from("<H", body, r)[0]
                        r += (1 if metas[i] < 256 else 2) + length
                    else:
                        length = int.from_bytes(body[r:r + metas[i]], "little")
                        r += metas[i]
                        values[i] = (body[r:r + length], json_order[i] in partial)
                        r += length
                return r, values

            while r < len(body):
                r, before = image(r, columns[0])
                if kind == 30:
                    for i, (doc, _) in before.items():
                        last[i] = doc
                        yield doc, b""
                    continue
                for i, (doc, _) in before.items():
                    last[i] = doc
                partial = set()
                if kind == 39:
                    options = body[r]
                    r += 1
                    if options & 1:
                        count = types.count(245)
                        bits = body[r:r + (count + 7) // 8]
                        r += (count + 7) // 8
                        partial = {j for j in range(count) if bits[j // 8] & (1 << (j % 8))}
                r, after = image(r, columns[1], partial)
                # Under binlog_row_image=MINIMAL the before document is not in the event: the last one seen.
                for i, (value, is_partial) in after.items():
                    if is_partial:
                        yield last.get(i, b""), value
                    else:
                        last[i] = value
                        yield value, b""
        except (IndexError, struct.error):
            continue


def main():
    count = 0
    seen = set()

    def unique(name, data):
        nonlocal count
        digest = hashlib.sha1(data).digest()
        if digest in seen:
            return
        seen.add(digest)
        save("%s.%d" % (name, count), data)
        count += 1

    if target == "decoder":
        for name, data in binlogs():
            if len(data) <= 256 << 10:
                unique(name, data)
                continue
            # Large files: the format description plus windows of whole events.
            fr = frames(data)
            if len(fr) < 3:
                continue
            head = data[:fr[0][0] + fr[0][1]]
            for start in range(1, len(fr), max(1, len(fr) // 24)):
                body, index = b"", start
                while index < len(fr) and len(body) + fr[index][1] <= 128 << 10:
                    body += data[fr[index][0]:fr[index][0] + fr[index][1]]
                    index += 1
                if body:
                    unique("%s.window%d" % (name, start), head + body)
    elif target == "event":
        # Selector byte (flavor), then one event; a rows event after its table map. At most 4 per file and type.
        for name, data in binlogs():
            fr = frames(data)
            selector = flavor(data, fr)
            if selector is None:
                continue
            maps, per_type = {}, {}
            for pos, size in fr[1:]:
                kind = data[pos + 4]
                event = data[pos:pos + size]
                if kind == 19:
                    maps[struct.unpack_from("<I", event, 19)[0]] = event
                if size > 60000 or per_type.get(kind, 0) >= 4:
                    continue
                if kind in ROWS_TYPES:
                    table = maps.get(struct.unpack_from("<I", event, 19)[0])
                    if table is None:
                        continue
                    event = table + event
                per_type[kind] = per_type.get(kind, 0) + 1
                unique("%s.%d.%d" % (name, pos, kind), bytes([selector]) + event)
    elif target == "json":
        for name, data in binlogs():
            for doc, diff in json_values(data):
                if len(doc) < 65536:
                    unique("%s.%s" % (name, "diff" if diff else "doc"), struct.pack("<H", len(doc)) + doc + diff)
        # Diffs of every operation on a small object {"a": [1, "x"]}, one nested path, one quoted member.
        doc = bytes.fromhex("0001001800" "0b000100" "020c00" "61" "02000c00" "050100" "0c0a00" "0178")
        def diff(op, path, value=None):
            out = bytes([op, len(path)]) + path
            return out if value is None else out + bytes([len(value)]) + value
        for d in (diff(1, b"$.b", bytes([4, 1])), diff(2, b"$.a[1]"), diff(0, b'$."a"[0]', bytes([5, 7, 0])),
                  diff(1, b"$.a[5]", bytes([12, 1, 0x79])) + diff(2, b"$.a")):
            unique("hand.diff", struct.pack("<H", len(doc)) + doc + d)
        unique("literal-true", bytes([2, 0, 4, 1]))
    elif target == "ddl":
        for path in glob.glob(fixtures + "/mariadb/*/statements.sql"):
            current = []
            for line in open(path, encoding="utf-8", errors="replace"):
                if line.startswith(("CREATE TABLE", "ALTER TABLE", "RENAME TABLE", "DROP TABLE")) or current:
                    current.append(line)
                if current and line.rstrip().endswith(";"):
                    unique("ddl", "".join(current).encode())
                    current = []
        for path in glob.glob(fixtures + "/mysql/*.mariadb-binlog.txt"):
            for line in open(path, encoding="utf-8", errors="replace"):
                if line.upper().startswith(("CREATE TABLE", "ALTER TABLE")):
                    unique("ddl", line.encode())
        unique("glob", b"a*a*a*a*b\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.aaaa\n")
    elif target == "config":
        for path in sorted(glob.glob(root + "/connectors/*.yaml") + glob.glob(root + "/examples/**/*.yaml",
                                                                                recursive=True)):
            unique(os.path.basename(path), open(path, "rb").read())
        for path in glob.glob(root + "/docs/*.md"):
            for block in re.findall(r"```yaml\n(.*?)```", open(path, encoding="utf-8").read(), re.S):
                unique("doc-" + os.path.basename(path), block.encode())
        unique("anchors", b"a: &a [x, y]\nb: *a\ntables:\n  include: *a\nsink: {url: 'file:/tmp/x'}\n")
    print("fuzz: seeded %d inputs for %s into %s" % (count, target, corpus), file=sys.stderr)


main()
