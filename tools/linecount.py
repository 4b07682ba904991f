"""Line-count report for the core (STYLE.md: "keep the core small enough to read in an
afternoon -- look at this before adding code").

    python tools/linecount.py

Counts non-blank, non-comment lines per file of framework/, ops/, gradients.py, session.py.
"""
import os
import sys

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "minitensor")
CORE = ["framework", "ops", "gradients.py", "session.py"]


def code_lines(path):
    count, in_doc = 0, False
    with open(path, encoding="utf-8") as f:
        for line in f:
            s = line.strip()
            if s.startswith('"""') or s.startswith("'''"):
                if not (len(s) > 3 and s.endswith(s[:3])):
                    in_doc = not in_doc
                continue
            if in_doc or not s or s.startswith("#"):
                continue
            count += 1
    return count


def main():
    total = 0
    rows = []
    for entry in CORE:
        path = os.path.join(ROOT, entry)
        files = [path] if path.endswith(".py") else sorted(
            os.path.join(path, f) for f in os.listdir(path) if f.endswith(".py"))
        for f in files:
            n = code_lines(f)
            total += n
            rows.append((os.path.relpath(f, ROOT), n))
    for name, n in rows:
        print("  %-32s %5d" % (name, n))
    print("  %-32s %5d" % ("core total", total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
