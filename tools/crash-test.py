#!/usr/bin/env python3
"""Crash safety: SIGKILL landreg inside its write transactions and check that nothing is lost.

    tools/crash-test.py [--kind import|step|updates|migration|backup] [--parcels 100000] [--kills 10]
                        [--seed S] [--landreg .build/release/landreg] [--work DIR]

Where a kill lands: landreg runs under strace, which SIGKILLs it on entry to its k-th pwrite64 to the traced
files, before that write executes. In WAL mode only a connection inside a write transaction appends to the -wal
(spilled pages as a big transaction goes, then its remaining pages and last its commit frame); checkpoints write
the main file. k is drawn (seeded: --seed, else LANDREG_KILL_SEED, else random; printed) in 1..K, K counted on an
uninterrupted run of the same command on a copy. After each kill the -wal is read as SQLite's recovery reads it
(salts, running checksums): no valid commit frame means the kill was inside the transaction.

Common set-up: a district of N parcels from tools/gen_district.py (EPSG:4549, cached in WORK); a store that already
holds committed data: the sample district's 400 parcels from GeoData/ (codes prefixed BASE-, moved 30 km east so
they overlap nothing) and the generated village zones.

  import     `import parcels … --replace` of the N parcels. k in the -wal writes of the import and the main-file
             writes of the checkpoint after it: a kill inside the transaction must leave every row of parcels, zones,
             imports and events byte for byte as before; one in the checkpoint, the import committed whole (the rows
             before it still there, those it superseded retired, the BASE- parcels untouched).
  step       `spots verify | rectify | progress` on the generated spots, one step per kill, then the step again
             uninterrupted: killed, the spots and events are unchanged; again, exactly one event more.
  updates    `import spot-updates` of a CSV of 6 rows per spot (verify, rectify, 4 progress reports; one transaction):
             killed, none of its steps and none of its events.
  migration  a store an older landreg wrote (the spots layer and its schema step removed), opened by `zones list`,
             which backs it up and migrates it: killed in the migration, the store is wholly old (it migrates on the
             next open, then wholly new) and its PATH.bak-<time> is a sound copy of the old store.
  backup     `backup -o` of the store after the import: k in all its pwrite64 (the store is only read; they write the
             copy and its journal): the target is absent (a retry under the same name works) or a complete copy.
After every kill: `landreg check --quick` (integrity_check, foreign keys, GeoPackage structure, R*Tree = rows,
events), GDAL's validate_gpkg.py --extra, and for import the all-or-none invariant of every imports row.
Exits 1 when any check fails. Runs its Python (gen_district.py needs numpy, shapely, pyproj; the validator needs
GDAL's bindings) with the project venv, <repo>/.venv/bin/python3 (tools/install-deps.sh makes it); needs strace.
"""
import argparse, hashlib, json, os, random, re, shutil, sqlite3, struct, subprocess, sys, tempfile, time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VALIDATOR = "/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py"
VENV_PYTHON = os.path.join(REPO, ".venv", "bin", "python3")
STRACE = "/usr/bin/strace"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


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


def traced(cmd, paths, kill_at=None, env=None):
    """Runs cmd under strace counting its pwrite64 calls to `paths` (all files when empty) and, with kill_at=k,
    SIGKILLing it on entry to the k-th. Returns (completed writes by path, killed, CompletedProcess)."""
    fd, log = tempfile.mkstemp(prefix="crash-strace-", suffix=".log")
    os.close(fd)
    opts = [STRACE, "-f", "-qq", "-y", "-o", log, "-e", "trace=pwrite64"]
    for path in paths:
        opts += ["-P", path]
    if kill_at:
        opts += ["-e", f"inject=pwrite64:signal=KILL:when={kill_at}"]
    r = subprocess.run(opts + cmd, capture_output=True, text=True, env=env)
    with open(log) as f:
        text = f.read()
    os.remove(log)
    completed = {}
    for line in text.splitlines():
        if line.endswith("= ?") or "unfinished" in line:
            continue
        m = re.search(r"pwrite64\(\d+<([^>]*)>", line)
        if m or "pwrite64 resumed>" in line:
            key = m.group(1) if m else "?"
            completed[key] = completed.get(key, 0) + 1
    return completed, "+++ killed by SIGKILL +++" in text, r


def wal_state(path):
    """(valid frames, commit frames) of a -wal file, read as SQLite's recovery reads it."""
    try:
        with open(path, "rb") as f:
            d = f.read()
    except FileNotFoundError:
        return 0, 0
    if len(d) < 32:
        return 0, 0
    magic, _, page_size, _, salt1, salt2, c1, c2 = struct.unpack(">8I", d[:32])
    if magic not in (0x377F0682, 0x377F0683):
        return 0, 0
    order = ">" if magic & 1 else "<"

    def checksum(b, s1, s2):
        words = struct.unpack(f"{order}{len(b) // 4}I", b)
        for i in range(0, len(words), 2):
            s1 = (s1 + words[i] + s2) & 0xFFFFFFFF
            s2 = (s2 + words[i + 1] + s1) & 0xFFFFFFFF
        return s1, s2

    s = checksum(d[:24], 0, 0)
    if s != (c1, c2):
        return 0, 0
    frames = commits = 0
    off = 32
    while off + 24 + page_size <= len(d):
        _, commit, fs1, fs2, fc1, fc2 = struct.unpack(">6I", d[off:off + 24])
        if (fs1, fs2) != (salt1, salt2):
            break
        s = checksum(d[off + 24:off + 24 + page_size], *checksum(d[off:off + 8], *s))
        if s != (fc1, fc2):
            break
        frames += 1
        commits += 1 if commit else 0
        off += 24 + page_size
    return frames, commits


def digests(store, tables, where="1"):
    db = sqlite3.connect(store)
    try:
        out = {}
        for t in tables:
            if not db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", (t,)).fetchone()[0]:
                out[t] = "absent"
            else:
                out[t] = rows_digest(db, t, where)
        return out
    finally:
        db.close()


def wal_size(store):
    return os.path.getsize(store + "-wal") if os.path.exists(store + "-wal") else 0


class Kills:
    """Runs the kills of one kind and prints one line per kill."""

    def __init__(self, args, landreg, env):
        self.args, self.landreg, self.env = args, landreg, env
        self.rng = random.Random(args.seed)
        self.failures = 0
        self.outcomes = {}

    def landreg_run(self, argv, check=True):
        return run([self.landreg] + argv, check=check, env=self.env)

    def sound(self, store, problems):
        check = self.landreg_run(["check", "--quick", "--json", "--store", store], check=False)
        try:
            ok = check.returncode == 0 and json.loads(check.stdout)["ok"]
        except ValueError:
            ok = False
        if not ok:
            problems.append(f"landreg check: exit {check.returncode}: {check.stdout[-2000:]}{check.stderr[-2000:]}")
        gdal = run([VENV_PYTHON, VALIDATOR, "--extra", store], check=False)
        if gdal.returncode != 0:
            problems.append(f"validate_gpkg.py: {gdal.stdout}{gdal.stderr}")
        return ok and gdal.returncode == 0

    def kill(self, argv, store, writes, first=1):
        """Kills `landreg argv` at its k-th -wal write, k in [first, writes]; checks it landed inside the transaction."""
        problems = []
        if wal_size(store):
            problems.append(f"the store has a {wal_size(store)} B -wal before the attempt")
        k = self.rng.randint(first, writes)
        completed, killed, r = traced([self.landreg] + argv, [store + "-wal"], k, self.env)
        frames, commits = wal_state(store + "-wal")
        if not killed or sum(completed.values()) != k - 1:
            problems.append(f"strace did not kill it at write {k} ({completed}, exit {r.returncode}): {r.stderr[-1000:]}")
        if commits:
            problems.append(f"the -wal holds {commits} commit frames: the kill came after a commit")
        return k, frames, problems

    def report(self, n, k, writes, outcome, problems, extra=""):
        self.failures += 1 if problems else 0
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1
        print(f"{n:>4} {k:>7}/{writes:<7} {outcome:<34} {'ok' if not problems else 'FAIL':<5} {extra}", flush=True)
        for pr in problems:
            print("      " + pr.replace("\n", "\n      "))

    def header(self, what):
        print(f"seed {self.args.seed}: {self.args.kills} kills {what}")
        print(f"{'kill':>4} {'at write':>15} {'outcome':<34} {'check'}")

    def summary(self, kind):
        passed = self.args.kills - self.failures
        print(f"{kind}: {self.args.kills} kills ({', '.join(f'{v} {k}' for k, v in sorted(self.outcomes.items()))}), "
              f"{passed} passed, {self.failures} failed; seed {self.args.seed}")
        return self.failures


def kind_import(kills, store, big):
    args, landreg, env = kills.args, kills.landreg, kills.env
    argv = ["import", "parcels", big, "--profile", "sandiao", "--replace", "--quiet", "--store"]

    def calibrate():
        """-wal writes of the import's transaction and main-file writes of its checkpoint, on a copy of the store
        as it is now (a committed import makes the next --replace one bigger)."""
        calibration = f"{args.work}/calibration.gpkg"
        shutil.copyfile(store, calibration)
        t0 = time.monotonic()
        completed, _, r = traced([landreg] + argv + [calibration], [calibration, calibration + "-wal"], None, env)
        if r.returncode != 0:
            sys.exit(f"calibration import failed: {r.stderr}")
        for s in ("", "-wal", "-shm"):
            if os.path.exists(calibration + s):
                os.remove(calibration + s)
        return completed.get(calibration + "-wal", 0), completed.get(calibration, 0), time.monotonic() - t0

    wal_writes, main_writes, duration = calibrate()
    kills.header(f"of an import of {args.parcels} parcels ({duration:.1f} s under strace): {wal_writes} -wal writes "
                 f"in its transaction, then {main_writes} main-file writes in the checkpoint")
    committed_before = False
    for n in range(1, args.kills + 1):
        if committed_before:
            wal_writes, main_writes, _ = calibrate()
        before = snapshot(store)
        stable_before = stable_parcel_digest(store, before["max_fid"])
        problems = []
        k = kills.rng.randint(6, wal_writes + main_writes)   # from write 6 on: at least 2 frames of the import spilled
        completed, killed, r = traced([landreg] + argv + [store], [store, store + "-wal"], k, env)
        frames, commits = wal_state(store + "-wal")
        # Where it landed, from the -wal itself: no commit frame, inside the transaction; one, in the checkpoint.
        inside = commits == 0
        if not killed or sum(completed.values()) != k - 1:
            problems.append(f"strace did not kill it at write {k} ({completed}, exit {r.returncode})")
        if inside != (k <= wal_writes):
            problems.append(f"killed at write {k} of {wal_writes} + {main_writes}, yet the -wal holds {commits} commit frames")
        if inside and frames < 2:
            problems.append(f"killed at -wal write {k}: the -wal holds {frames} frames, none of the import's pages")
        if commits > 1:
            problems.append(f"the -wal holds {commits} commit frames")
        kills.sound(store, problems)
        problems += all_or_none(store)
        after = snapshot(store)
        new_imports = [i for i in after["imports_list"] if i not in before["imports_list"]]
        if inside:
            changed = [t for t in ("parcels", "zones", "imports", "events") if before[t] != after[t]]
            if changed or new_imports:
                problems.append(f"killed inside the transaction, yet {', '.join(changed) or 'imports'} changed")
        else:
            kept = (after["base"] == before["base"] and stable_parcel_digest(store, before["max_fid"]) == stable_before
                    and prefix_digests(store, before) == [before["events"], before["imports"], before["zones"]])
            if len(new_imports) != 1 or new_imports[0][2] != args.parcels:
                problems.append(f"the import committed with {new_imports} instead of {args.parcels} features")
            if not kept:
                problems.append("rows committed before the import changed")
            if after["live"] != 400 + args.parcels:
                problems.append(f"{after['live']} live parcels, expected {400 + args.parcels}")
        committed_before = not inside
        outcome = "in the transaction: none of it" if inside else "in the checkpoint: all of it"
        kills.report(n, k, wal_writes + main_writes, outcome, problems, f"{frames} frames, {after['live']} live parcels")
    return kills.summary("import")


def spot_codes(store, limit):
    db = sqlite3.connect(store)
    try:
        return [c for (c,) in db.execute("SELECT code FROM spots WHERE status = 'reported' AND retired_at IS NULL "
                                         "ORDER BY code LIMIT ?", (limit,))]
    finally:
        db.close()


def kind_step(kills, store):
    args = kills.args
    # Four steps per spot (verify → illegal, rectify, two progress reports), spot after spot.
    codes = spot_codes(store, args.kills // 4 + 2)
    steps = [codes[i // 4] for i in range(args.kills)]
    done = {}
    calibration = f"{args.work}/calibration.gpkg"
    shutil.copyfile(store, calibration)
    writes_of = {}
    for stage in (0, 1, 2, 3):
        action, argv = step_arguments(codes[-1], stage)[0]
        completed, _, r = traced([kills.landreg] + argv + ["--store", calibration], [calibration + "-wal"], None, kills.env)
        if r.returncode != 0:
            sys.exit(f"calibration {argv} failed: {r.stderr}")
        writes_of[action] = min(writes_of.get(action, 10 ** 9), sum(completed.values()))
    os.remove(calibration)
    kills.header(f"of lifecycle steps on {len(set(steps))} spots ({writes_of} -wal writes per step)")
    for n, code in enumerate(steps, 1):
        stage = done.get(code, 0)
        action, argv = step_arguments(code, stage)[0]
        before = digests(store, ["spots", "events", "parcels"])
        k, frames, problems = kills.kill(argv + ["--store", store], store, writes_of[action])
        kills.sound(store, problems)
        if digests(store, ["spots", "events", "parcels"]) != before:
            problems.append("the killed step left a trace in spots or events")
        events = digests(store, ["events"])["events"][1]
        again = kills.landreg_run(argv + ["--store", store], check=False)
        if again.returncode != 0:
            problems.append(f"the step after the kill failed: {again.stderr}")
        if digests(store, ["events"])["events"][1] != events + 1:
            problems.append("the step again did not add exactly one event")
        done[code] = stage + 1
        kills.report(n, k, writes_of[action], f"{action}: none of it, then all", problems, f"{code}, {frames} frames")
    return kills.summary("step")


def step_arguments(code, stage):
    """The stage-th step of a spot's life here: verify as illegal, rectify, then progress reports."""
    if stage == 0:
        return [("verify", ["spots", "verify", code, "--judgement", "illegal", "--on", "2026-01-05"])]
    if stage == 1:
        return [("rectify", ["spots", "rectify", code, "--measure", "demolish-restore", "--deadline", "2026-12-31",
                             "--on", "2026-01-06"])]
    return [("progress", ["spots", "progress", code, "--recultivated", str(stage - 1), "--on", "2026-01-07"])]


def kind_updates(kills, store):
    args = kills.args
    codes = spot_codes(store, 10 ** 6)
    csv_file = f"{args.work}/updates.csv"
    with open(csv_file, "w") as f:
        f.write("code,action,judgement,measure,deadline,recultivated_m2,on\n")
        for code in codes:
            f.write(f"{code},verify,illegal,,,,2026-02-01\n{code},rectify,,demolish-restore,2026-12-31,,2026-02-02\n")
            for r in range(1, 5):
                f.write(f"{code},progress,,,,{r},2026-02-0{2 + r}\n")
    rows = 6 * len(codes)
    argv = ["import", "spot-updates", csv_file, "--store"]
    calibration = f"{args.work}/calibration.gpkg"
    shutil.copyfile(store, calibration)
    completed, _, r = traced([kills.landreg] + argv + [calibration], [calibration + "-wal"], None, kills.env)
    if r.returncode != 0 or f"applied {rows} steps" not in r.stdout:
        sys.exit(f"calibration spot-updates failed: {r.stdout}{r.stderr}")
    writes = sum(completed.values())
    os.remove(calibration)
    kills.header(f"of `import spot-updates` of {rows} rows on {len(codes)} spots ({writes} -wal writes)")
    tables = ["spots", "events", "imports", "parcels", "zones"]
    for n in range(1, args.kills + 1):
        before = digests(store, tables)
        k, frames, problems = kills.kill(argv + [store], store, writes)
        kills.sound(store, problems)
        if digests(store, tables) != before:
            problems.append(f"some of the {rows} steps or their events are there")
        kills.report(n, k, writes, "none of it", problems, f"{frames} frames")
    events = digests(store, ["events"])["events"][1]
    again = kills.landreg_run(argv + [store], check=False)
    if again.returncode != 0 or digests(store, ["events"])["events"][1] != events + rows + 1:   # + the file's event
        print(f"the uninterrupted spot-updates after the kills failed: {again.stdout}{again.stderr}")
        kills.failures += 1
    return kills.summary("updates")


def make_older(store):
    """A store as an older landreg wrote it: without the spots schema step (its layer and its grdb_migrations row)."""
    db = sqlite3.connect(store)
    db.executescript("""
        DROP TABLE spots; DROP TABLE rtree_spots_geom;
        DELETE FROM gpkg_extensions WHERE table_name = 'spots';
        DELETE FROM gpkg_geometry_columns WHERE table_name = 'spots';
        DELETE FROM gpkg_contents WHERE table_name = 'spots';
        DELETE FROM grdb_migrations WHERE identifier = '2026-11-27-spots';
    """)
    db.commit()
    db.close()


def kind_migration(kills, store):
    args = kills.args
    old_store = f"{args.work}/old.gpkg"
    shutil.copyfile(store, old_store)
    make_older(old_store)
    tables = ["parcels", "zones", "imports", "events", "landreg_meta", "gpkg_contents", "grdb_migrations", "spots"]
    old = digests(old_store, tables)
    opening = ["zones", "list", "--kind", "village", "--store"]
    calibration = f"{args.work}/calibration.gpkg"
    shutil.copyfile(old_store, calibration)
    completed, _, r = traced([kills.landreg] + opening + [calibration], [calibration + "-wal"], None, kills.env)
    if r.returncode != 0 or "migrated" not in r.stderr:
        sys.exit(f"calibration migration failed: {r.stderr}")
    writes = sum(completed.values())
    kills.header(f"of the migration of a {os.path.getsize(old_store) / 1e6:.0f} MB older store ({writes} -wal writes)")
    for n in range(1, args.kills + 1):
        kdir = f"{args.work}/migration-{n}"
        shutil.rmtree(kdir, ignore_errors=True)
        os.makedirs(kdir)
        target = f"{kdir}/old.gpkg"
        shutil.copyfile(old_store, target)
        k, frames, problems = kills.kill(opening + [target], target, writes)
        if digests(target, tables) != old:
            problems.append("the store is not wholly the old store")
        backups = [b for b in os.listdir(kdir) if b.startswith("old.gpkg.bak-") and not b.endswith(("-journal", "-wal", "-shm"))]
        if len(backups) != 1:
            problems.append(f"backups: {backups}")
        for b in backups:
            db = sqlite3.connect(f"{kdir}/{b}")
            if db.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                problems.append(f"{b}: integrity_check fails")
            db.close()
            if digests(f"{kdir}/{b}", tables) != old:
                problems.append(f"{b} is not the old store")
        again = kills.landreg_run(opening + [target], check=False)
        if again.returncode != 0 or "migrated" not in again.stderr:
            problems.append(f"it did not migrate on the next open: {again.stderr}")
        kills.sound(target, problems)
        new = digests(target, tables)
        if new["spots"] != (0, EMPTY_SHA256) and new["spots"] != (EMPTY_SHA256, 0):
            problems.append(f"after migrating again: spots {new['spots']}")
        if any(new[t] != old[t] for t in ("parcels", "zones", "imports", "events")):
            problems.append("migrating changed committed rows")
        kills.report(n, k, writes, "wholly old, then wholly new", problems, f"{frames} frames")
        shutil.rmtree(kdir, ignore_errors=True)
    return kills.summary("migration")


def kind_backup(kills, store):
    args = kills.args
    tables = ["parcels", "zones", "imports", "events"]
    source = digests(store, tables)
    copy_dir = f"{args.work}/copies"
    shutil.rmtree(copy_dir, ignore_errors=True)
    os.makedirs(copy_dir)
    completed, _, r = traced([kills.landreg, "backup", "-o", f"{copy_dir}/calibration.gpkg", "--store", store], [], None, kills.env)
    if r.returncode != 0:
        sys.exit(f"calibration backup failed: {r.stderr}")
    writes = sum(completed.values())
    kills.header(f"of `backup -o` of a {os.path.getsize(store) / 1e6:.0f} MB store ({writes} writes of the copy)")
    for n in range(1, args.kills + 1):
        target = f"{copy_dir}/copy-{n}.gpkg"
        problems = []
        k = kills.rng.randint(1, writes)
        completed, killed, r = traced([kills.landreg, "backup", "-o", target, "--store", store], [], k, kills.env)
        if not killed or sum(completed.values()) != k - 1:
            problems.append(f"strace did not kill it at write {k} ({completed}, exit {r.returncode})")
        if digests(store, tables) != source:
            problems.append("the store changed")
        present = os.path.exists(target)
        if not present:
            again = kills.landreg_run(["backup", "-o", target, "--store", store], check=False)
            if again.returncode != 0:
                problems.append(f"the retry failed: {again.stderr}")
        if os.path.exists(target):
            db = sqlite3.connect(target)
            if db.execute("PRAGMA integrity_check").fetchall() != [("ok",)]:
                problems.append("the target fails integrity_check")
            db.close()
            if digests(target, tables) != source:
                problems.append("the target is not a whole copy")
            kills.sound(target, problems)
        # A killed backup leaves its hidden temporary and lock; the next write in the folder (the retry) sweeps them.
        leftovers = [f for f in os.listdir(copy_dir) if ".landreg-tmp-" in f or ".landreg-lock-" in f]
        kills.report(n, k, writes, "target complete" if present else "target absent, retry complete", problems,
                     f"{len(leftovers)} temporary files left so far")
    return kills.summary("backup")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kind", choices=["import", "step", "updates", "migration", "backup"], default="import")
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--kills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=None, help="default LANDREG_KILL_SEED, else random")
    ap.add_argument("--landreg", default=None, help="the binary (default .build/release/landreg, else .build/debug/landreg)")
    ap.add_argument("--work", default="/tmp/landreg-crash-test")
    ap.add_argument("--district", default=None, help="a folder gen_district.py already wrote (with --crs 4549 or both)")
    args = ap.parse_args()
    if args.seed is None:
        args.seed = int(os.environ.get("LANDREG_KILL_SEED") or random.randrange(1, 1_000_000))
    landreg = args.landreg or next((p for p in (f"{REPO}/.build/release/landreg", f"{REPO}/.build/debug/landreg")
                                    if os.access(p, os.X_OK)), None)
    if not landreg:
        sys.exit("no landreg binary: swift build -c release")
    if not os.access(VENV_PYTHON, os.X_OK):
        sys.exit(f"{VENV_PYTHON} is missing: run tools/install-deps.sh (needs .venv with shapely, pyproj, openpyxl)")
    if not os.access(STRACE, os.X_OK):
        sys.exit(f"{STRACE} is missing: run tools/install-deps.sh (installs strace)")
    os.makedirs(args.work, exist_ok=True)
    env = dict(os.environ, LANDREG_ACTOR="crash-test")

    district = args.district or f"{args.work}/district-{args.parcels}"
    big = f"{district}/parcels.geojson"
    if not os.path.exists(big):
        print(f"generating {args.parcels} parcels …", flush=True)
        run([VENV_PYTHON, f"{REPO}/tools/gen_district.py", "--parcels", str(args.parcels), "--seed", "7", "--out", district,
             "--crs", "4549", "--quiet"])

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
    if args.kind in ("step", "updates"):
        for batch in ("2023-07", "2024-01"):
            run([landreg, "import", "spots", f"{district}/spots-{batch}.geojson", "--batch", batch, "--store", store], env=env)
    if args.kind in ("migration", "backup"):
        run([landreg, "import", "parcels", big, "--profile", "sandiao", "--store", store, "--quiet"], env=env)

    kills = Kills(args, landreg, env)
    failures = {"import": lambda: kind_import(kills, store, big), "step": lambda: kind_step(kills, store),
                "updates": lambda: kind_updates(kills, store), "migration": lambda: kind_migration(kills, store),
                "backup": lambda: kind_backup(kills, store)}[args.kind]()
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
