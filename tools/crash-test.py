#!/usr/bin/env python3
"""Crash safety: SIGKILL landreg at random moments of a large import and check that nothing is lost.

    tools/crash-test.py [--parcels 100000] [--kills 10] [--seed 1] [--landreg .build/release/landreg] [--work DIR]

1. Generates a district of N parcels with tools/gen_district.py (EPSG:4549, cached in WORK).
2. Makes a store that already holds committed data: the sample district's 400 parcels from GeoData/ (codes
   prefixed BASE-, moved 30 km east so they overlap nothing) and the generated village zones.
3. Times one complete import of the N parcels into a copy of that store (D seconds).
4. Ten times: starts `landreg import parcels … --replace` into the store, SIGKILLs it after a random moment in
   [0, 1.05 D] (some kills land in the final commit and checkpoint), then checks
   - `landreg check --quick` (PRAGMA integrity_check, foreign keys, GeoPackage structure, R*Tree = rows, events),
   - GDAL's validate_gpkg.py --extra,
   - all or none: every imports row has exactly its feature_count rows, no row belongs to an import that is not
     there, and the killed import added either N live parcels or nothing,
   - nothing committed before is lost: when the import did not commit, every row of parcels, zones, imports and
     events is byte for byte what it was before the attempt; when it did, the rows before it are all still there
     (those it superseded are retired, not changed otherwise) and the BASE- parcels are untouched.
Exits 1 when any check fails. Needs python3 with numpy, shapely, pyproj (the generator) and /usr/bin/python3
with GDAL's bindings (the validator).
"""
import argparse, hashlib, json, os, random, shutil, signal, sqlite3, subprocess, sys, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VALIDATOR = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if check and r.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{r.stdout}{r.stderr}")
    return r


def rows_digest(db, table, where="1"):
    """SHA-256 of every row of `table` (ordered by rowid), and the row count."""
    h = hashlib.sha256()
    n = 0
    for row in db.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY rowid"):
        h.update(repr(row).encode())
        n += 1
    return h.hexdigest(), n


def snapshot(store):
    db = sqlite3.connect(store)
    try:
        return {t: rows_digest(db, t) for t in ("parcels", "zones", "imports", "events")} | {
            "base": rows_digest(db, "parcels", "code LIKE 'BASE-%'"),
            "rows": {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("parcels", "zones", "imports", "events")},
            "live": db.execute("SELECT count(*) FROM parcels WHERE retired_at IS NULL").fetchone()[0],
            "max_fid": db.execute("SELECT coalesce(max(fid), 0) FROM parcels").fetchone()[0],
            "max_event": db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0],
            "imports_list": db.execute("SELECT id, layer, feature_count FROM imports ORDER BY id").fetchall(),
        }
    finally:
        db.close()


def all_or_none(store):
    """Problems with the all-or-nothing invariant of imports."""
    db = sqlite3.connect(store)
    problems = []
    try:
        for layer in ("parcels", "zones"):
            for iid, expected, got in db.execute(f"""
                    SELECT i.id, i.feature_count, (SELECT count(*) FROM {layer} r WHERE r.import_id = i.id)
                    FROM imports i WHERE i.layer = ?""", (layer,)):
                if expected != got:
                    problems.append(f"import #{iid} ({layer}) records {expected} features but {got} rows hold its id")
            stray = db.execute(f"SELECT count(*) FROM {layer} WHERE import_id NOT IN (SELECT id FROM imports)").fetchone()[0]
            if stray:
                problems.append(f"{stray} {layer} rows belong to no committed import")
    finally:
        db.close()
    return problems


def prefix_digests(store, before):
    """Digests of the events, imports and zones rows that existed in `before` (they must never change)."""
    db = sqlite3.connect(store)
    try:
        return [rows_digest(db, "events", f"id <= {before['max_event']}"),
                rows_digest(db, "imports", f"id <= {max([i[0] for i in before['imports_list']] or [0])}"),
                rows_digest(db, "zones")]
    finally:
        db.close()


def stable_parcel_digest(store, max_fid):
    db = sqlite3.connect(store)
    try:
        h = hashlib.sha256()
        for row in db.execute("""SELECT fid, geom, code, land_use, owner, name, registered_area_m2, planar_area_m2,
                                 ellipsoidal_area_m2, properties, import_id, created_at FROM parcels WHERE fid <= ? ORDER BY fid""",
                              (max_fid,)):
            h.update(repr(row).encode())
        return h.hexdigest()
    finally:
        db.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--landreg", default=None, help="the binary (default .build/release/landreg, else .build/debug/landreg)")
    ap.add_argument("--work", default="/tmp/landreg-crash-test")
    ap.add_argument("--district", default=None, help="a folder gen_district.py already wrote (with --crs 4549 or both)")
    args = ap.parse_args()
    landreg = args.landreg or next((p for p in (f"{REPO}/.build/release/landreg", f"{REPO}/.build/debug/landreg")
                                    if os.access(p, os.X_OK)), None)
    if not landreg:
        sys.exit("no landreg binary: swift build -c release")
    rng = random.Random(args.seed)
    os.makedirs(args.work, exist_ok=True)
    env = dict(os.environ, LANDREG_ACTOR="crash-test")

    district = args.district or f"{args.work}/district-{args.parcels}"
    big = f"{district}/parcels.geojson"
    if not os.path.exists(big):
        print(f"generating {args.parcels} parcels …", flush=True)
        run(["python3", f"{REPO}/tools/gen_district.py", "--parcels", str(args.parcels), "--seed", "7", "--out", district,
             "--crs", "4549", "--quiet"])
    size_mb = os.path.getsize(big) / 1e6

    # The committed data every kill must leave alone.
    base_file = f"{args.work}/base-parcels.geojson"
    with open(f"{REPO}/GeoData/parcels.geojson") as f:
        base = json.load(f)
    for feat in base["features"]:
        feat["properties"]["BSM"] = "BASE-" + feat["properties"]["BSM"]
        feat["geometry"]["coordinates"] = [[[[x + 30000, y] for x, y in ring] for ring in poly]
                                           for poly in ([feat["geometry"]["coordinates"]] if feat["geometry"]["type"] == "Polygon"
                                                        else feat["geometry"]["coordinates"])]
        feat["geometry"]["type"] = "MultiPolygon"
    with open(base_file, "w") as f:
        json.dump(base, f)
    store = f"{args.work}/store.gpkg"
    for s in ("", "-wal", "-shm"):
        if os.path.exists(store + s):
            os.remove(store + s)
    run([landreg, "init", "--store", store], env=env)
    run([landreg, "import", "parcels", base_file, "--profile", "sandiao", "--store", store, "--quiet"], env=env)
    run([landreg, "import", "zones", f"{district}/zones-village.geojson", "--kind", "village", "--store", store, "--quiet"], env=env)

    calibration = f"{args.work}/calibration.gpkg"
    shutil.copyfile(store, calibration)
    t0 = time.monotonic()
    run([landreg, "import", "parcels", big, "--profile", "sandiao", "--replace", "--store", calibration, "--quiet"], env=env)
    duration = time.monotonic() - t0
    os.remove(calibration)
    print(f"{args.parcels} parcels ({size_mb:.0f} MB) import in {duration:.1f} s uninterrupted; "
          f"{args.kills} kills in [0, {1.05 * duration:.1f}] s", flush=True)

    failures = 0
    committed_runs = 0
    print(f"{'kill':>4} {'at s':>6} {'of D':>5}  {'outcome':<22} {'check':<5} {'gdal':<5} {'all/none':<8} {'kept':<5} live parcels")
    for k in range(1, args.kills + 1):
        before = snapshot(store)
        stable_before = stable_parcel_digest(store, before["max_fid"])
        at = rng.uniform(0, 1.05 * duration)
        p = subprocess.Popen([landreg, "import", "parcels", big, "--profile", "sandiao", "--replace", "--store", store, "--quiet"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        time.sleep(at)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()
            outcome = "killed"
        else:
            outcome = f"finished (exit {p.returncode})"
        problems = []

        check = run([landreg, "check", "--quick", "--json", "--store", store], check=False, env=env)
        try:
            report = json.loads(check.stdout)
            check_ok = check.returncode == 0 and report["ok"]
        except ValueError:
            check_ok, report = False, None
        if not check_ok:
            problems.append(f"landreg check: exit {check.returncode}: {check.stdout[-2000:]}{check.stderr[-2000:]}")
        gdal = run(["/usr/bin/python3", VALIDATOR, "--extra", store], check=False)
        if gdal.returncode != 0:
            problems.append(f"validate_gpkg.py: {gdal.stdout}{gdal.stderr}")

        invariant = all_or_none(store)
        problems += invariant
        after = snapshot(store)
        new_imports = [i for i in after["imports_list"] if i not in before["imports_list"]]
        if not new_imports:
            changed = [t for t in ("parcels", "zones", "imports", "events") if before[t] != after[t]]
            kept = not changed
            if changed:
                problems.append(f"no import committed, yet {', '.join(changed)} changed")
        else:
            committed_runs += 1
            kept = (after["base"] == before["base"] and stable_parcel_digest(store, before["max_fid"]) == stable_before
                    and prefix_digests(store, before) == [before["events"], before["imports"], before["zones"]])
            if len(new_imports) != 1 or new_imports[0][2] != args.parcels:
                problems.append(f"the import committed with {new_imports} instead of {args.parcels} features")
            if not kept:
                problems.append("rows committed before the import changed")
            if after["live"] != 400 + args.parcels:
                problems.append(f"{after['live']} live parcels, expected {400 + args.parcels}")
        if not new_imports and after["live"] != before["live"]:
            problems.append(f"live parcels went from {before['live']} to {after['live']}")
        ok = not problems
        failures += 0 if ok else 1
        print(f"{k:>4} {at:>6.2f} {at / duration:>5.2f}  {outcome + (' +commit' if new_imports else ''):<22} "
              f"{'ok' if check_ok else 'FAIL':<5} {'ok' if gdal.returncode == 0 else 'FAIL':<5} "
              f"{'ok' if not invariant else 'FAIL':<8} {'ok' if kept else 'FAIL':<5} {after['live']}", flush=True)
        for pr in problems:
            print("      " + pr.replace("\n", "\n      "))
    print(f"{args.kills} kills, {committed_runs} of the imports committed before their kill, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
