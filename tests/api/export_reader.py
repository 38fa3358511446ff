#!/usr/bin/env python3
"""Reads an audit export as a user's tools would: Python's urllib (chunked transfer) and csv modules.

usage: export_reader.py URL TOKEN csv|ndjson   (a file:// URL reads a file `thidua export` wrote; TOKEN unused)
Prints one line per row: "<position>\t<actor_person>\t<type>", then "rows <n>". Exits 1 (message on stderr)
when the file is not what the API promises: no byte-order mark on CSV, a ragged row, a line that is not JSON.
"""
import csv
import io
import json
import sys
import urllib.request


def fail(why):
    print(why, file=sys.stderr)
    sys.exit(1)


def main():
    url, token, kind = sys.argv[1], sys.argv[2], sys.argv[3]
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token})
    with urllib.request.urlopen(req) as r:
        if not url.startswith("file:") and r.headers.get("Transfer-Encoding", "").lower() != "chunked":
            fail("not streamed: Transfer-Encoding is %r" % r.headers.get("Transfer-Encoding"))
        data = r.read()
    rows = []
    if kind == "csv":
        if not data.startswith(b"\xef\xbb\xbf"):
            fail("no UTF-8 byte-order mark: Excel would show the Vietnamese wrongly")
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        header = next(reader)
        for row in reader:
            if len(row) != len(header):
                fail("row of %d fields under a header of %d: %r" % (len(row), len(header), row))
            rec = dict(zip(header, row))
            json.loads(rec["event"]) if rec["event"] else None
            rows.append((rec["position"], rec["actor_person"], rec["type"]))
    else:
        for line in data.decode("utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                fail("not a JSON line: %r" % line)
            e = entry["event"]
            rows.append((e["position"], e.get("actor_person", ""), e["type"]))
    for position, person, kind_ in rows:
        print("%s\t%s\t%s" % (position, person, kind_))
    print("rows %d" % len(rows))


main()
