#!/usr/bin/env bash
# Fills corpus/ with the test fixtures (CSV, XLSX, OneRoster folders zipped) as starting points.
set -euo pipefail
cd "$(dirname "$0")"
fixtures=../core/tests/fixtures/import
mkdir -p corpus/readers corpus/oneroster_files
cp "$fixtures"/*.csv "$fixtures"/*.tsv "$fixtures"/*.xlsx corpus/readers/
for dir in "$fixtures"/oneroster-*; do
  python3 - "$dir" "corpus/readers/$(basename "$dir").zip" <<'PY'
import sys, zipfile, pathlib
src, out = pathlib.Path(sys.argv[1]), sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(src.iterdir()):
        z.write(f, f.name)
PY
  # The same package as NUL-separated files for the oneroster_files target.
  python3 - "$dir" "corpus/oneroster_files/$(basename "$dir")" <<'PY'
import sys, pathlib
src = pathlib.Path(sys.argv[1])
parts = [(src / n).read_bytes() if (src / n).exists() else b"" for n in ["manifest.csv", "orgs.csv", "users.csv", "roles.csv"]]
pathlib.Path(sys.argv[2]).write_bytes(b"\0".join(parts))
PY
done
