#!/usr/bin/env python3
"""landreg benchmark suite: landreg against ogr2ogr / ogrinfo / shapely on the same input, in the same run.

Run it through tools/bench/run.sh (which builds landreg in release mode first). Each row runs landreg and its
peer alternately (landreg first on even repetitions, the peer first on odd ones), `--reps` times, and prints
the medians, the ratio landreg/peer, the target and the peak RSS of each (GNU time's %M, the largest over the
repetitions). Inputs are generated once by tools/gen_district.py (seed 7) and cached in tools/bench/out/.
Rows whose landreg command does not exist on this branch print "feature not on this branch yet" and are skipped.
"""
import argparse
import datetime
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable  # run.sh starts bench.py with the project venv's python3: shapely 2 and pyproj


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


class Bench:
    def __init__(self, args):
        self.args = args
        self.landreg = args.landreg
        self.out = args.out
        self.work = os.path.join(self.out, "work")
        os.makedirs(self.work, exist_ok=True)
        self.env = dict(os.environ, LANDREG_SEEDS=os.path.join(args.repo, "seeds"), LANDREG_ACTOR="bench")
        self.rows = []

    # -- running things ------------------------------------------------------------------------------------

    def timed(self, cmd, cwd=None):
        """Runs cmd; returns (seconds, peak RSS in KiB). Fails loudly on a non-zero exit."""
        # Flush what earlier steps wrote (the other tool's output, a copied store) before the clock starts: an
        # fsync inside the timed command would otherwise also pay for writing back those pages (ext4 data=ordered).
        os.sync()
        with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
            start = time.perf_counter()
            p = subprocess.run(["/usr/bin/time", "-f", "%M", "-o", t.name] + cmd, cwd=cwd, env=self.env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            seconds = time.perf_counter() - start
            if p.returncode != 0:
                raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-800:]}")
            rss = int(t.read().strip().splitlines()[-1])
        return seconds, rss

    def run(self, cmd, **kw):
        p = subprocess.run(cmd, env=self.env, capture_output=True, text=True, **kw)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-800:]}")
        return p.stdout

    def has_command(self, *words):
        """True when `landreg WORDS…` exists: the last word is listed under the parent's SUBCOMMANDS."""
        p = subprocess.run([self.landreg, *words[:-1], "--help"], env=self.env, capture_output=True, text=True)
        listed = p.stdout.split("SUBCOMMANDS:", 1)[-1] if "SUBCOMMANDS:" in p.stdout else ""
        return any(line.split()[:1] == [words[-1]] for line in listed.splitlines())

    # -- data ----------------------------------------------------------------------------------------------

    def district(self, n):
        """tools/gen_district.py output for n parcels (EPSG:4549 GeoJSON), generated once."""
        d = os.path.join(self.out, f"data-{n}")
        stamp = os.path.join(d, "parcels.geojson")
        if not os.path.exists(stamp):
            log(f"generating a district of {n:,} parcels in {d} (once)")
            tmp = d + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            subprocess.run([PY, os.path.join(self.args.repo, "tools", "gen_district.py"), "--parcels", str(n),
                            "--seed", "7", "--out", tmp, "--crs", "4549", "--format", "geojson", "--quiet"], check=True)
            os.replace(tmp, d)
        return d

    def shapefile(self, n):
        """The district's parcels as a GBK Shapefile (.cpg CP936, ESRI .prj), as a county sends them; made once
        from the generator's GeoJSON with ogr2ogr."""
        d = os.path.join(self.district(n), "shp")
        shp = os.path.join(d, "parcels.shp")
        if not os.path.exists(shp):
            log(f"writing {shp} with ogr2ogr (once)")
            tmp = d + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            self.run(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP936", os.path.join(tmp, "parcels.shp"),
                      os.path.join(self.district(n), "parcels.geojson")])
            os.replace(tmp, d)
        return shp

    def store(self, n):
        """A landreg store holding the district's parcels (made by an untimed import when missing)."""
        path = os.path.join(self.out, f"store-{n}.gpkg")
        if not os.path.exists(path):
            data = self.district(n)
            log(f"building {path} (once)")
            tmp = path + ".tmp.gpkg"
            for s in ("", "-wal", "-shm"):
                if os.path.exists(tmp + s):
                    os.remove(tmp + s)
            self.run([self.landreg, "init", "--store", tmp])
            self.run([self.landreg, "import", "parcels", os.path.join(data, "parcels.geojson"), "--profile", "sandiao",
                      "--store", tmp, "--quiet"])
            os.replace(tmp, path)
        return path

    def fresh(self, name):
        path = os.path.join(self.work, name)
        for s in ("", "-wal", "-shm", ".tmp"):
            if os.path.exists(path + s):
                os.remove(path + s)
        return path

    # -- the comparison loop -------------------------------------------------------------------------------

    def compare(self, name, target, landreg_run, peer_run, reps=None, rss_limit_mb=None, note=""):
        """landreg_run / peer_run: callables returning (seconds, rss KiB). Alternates them `reps` times."""
        reps = reps or self.args.reps
        ours, theirs = [], []
        for r in range(reps):
            order = [(landreg_run, ours), (peer_run, theirs)]
            if r % 2:
                order.reverse()
            for fn, sink in order:
                sink.append(fn())
            log(f"{name}: rep {r + 1}/{reps}: landreg {ours[-1][0]:.2f} s, peer {theirs[-1][0]:.2f} s")
        lm = statistics.median(s for s, _ in ours)
        pm = statistics.median(s for s, _ in theirs)
        lrss = max(k for _, k in ours) / 1024
        prss = max(k for _, k in theirs) / 1024
        ratio = lm / pm
        # No target: a side-by-side comparison whose condition the runs check themselves (they raise otherwise).
        met = target is None or (ratio <= target and (rss_limit_mb is None or lrss <= rss_limit_mb))
        target_text = ("(comparison)" if target is None else f"≤ {target:.1f}") + (
            f", RSS ≤ {rss_limit_mb} MB" if rss_limit_mb else "")
        self.rows.append([name, f"{lm:.2f}", f"{pm:.2f}", f"{ratio:.2f}", target_text, "yes" if met else "NO",
                          # A row of many processes reports no peak RSS (0): shown as –, not 0 MB.
                          f"{lrss:.0f}" if lrss else "–", f"{prss:.0f}" if prss else "–", note])

    def skip(self, name, why):
        log(f"{name}: skipped: {why}")
        self.rows.append([name, "–", "–", "–", "", "skipped", "–", "–", why])

    # -- rows ----------------------------------------------------------------------------------------------

    def import_row(self, n, rss_limit_mb=None):
        parcels = os.path.join(self.district(n), "parcels.geojson")
        ours_store = self.fresh(f"import-{n}.gpkg")
        peer_out = self.fresh(f"ogr-{n}.gpkg")

        def ours():
            self.fresh(f"import-{n}.gpkg")
            self.run([self.landreg, "init", "--store", ours_store])
            return self.timed([self.landreg, "import", "parcels", parcels, "--profile", "sandiao", "--store", ours_store,
                               "--quiet"])

        def peer():
            self.fresh(f"ogr-{n}.gpkg")
            return self.timed(["ogr2ogr", "-f", "GPKG", peer_out, parcels])

        self.compare(f"import {n:,} parcels (validate + both areas + index) vs ogr2ogr -f GPKG", 1.0, ours, peer,
                     rss_limit_mb=rss_limit_mb)
        # The last imported store (made by this landreg) is the store of the later rows.
        shutil.copyfile(ours_store, os.path.join(self.out, f"store-{n}.gpkg"))

    def import_shapefile_row(self, n, rss_limit_mb=None):
        """The same import from a Shapefile (read through GDAL, .dbf decoded from GBK, CRS from the ESRI .prj)."""
        shp = self.shapefile(n)
        ours_store = self.fresh(f"import-shp-{n}.gpkg")
        peer_out = self.fresh(f"ogr-shp-{n}.gpkg")

        def ours():
            self.fresh(f"import-shp-{n}.gpkg")
            self.run([self.landreg, "init", "--store", ours_store])
            return self.timed([self.landreg, "import", "parcels", shp, "--profile", "sandiao", "--store", ours_store,
                               "--quiet"])

        def peer():
            self.fresh(f"ogr-shp-{n}.gpkg")
            return self.timed(["ogr2ogr", "-f", "GPKG", peer_out, shp])

        self.compare(f"import {n:,} parcels from a Shapefile (validate + both areas + index) vs ogr2ogr -f GPKG", 1.0,
                     ours, peer, rss_limit_mb=rss_limit_mb)

    def postgis_copy_row(self, n):
        """A 100,000-parcel store into PostGIS: `landreg copy` (every table, one transaction of COPY, then every table
        read back and checksummed) against `ogr2ogr -f PostgreSQL` with PG_USE_COPY=YES (the parcels layer alone,
        GiST index). Both into a new database of one throw-away cluster (tools/pg/cluster.sh); the server's own CPU
        and memory are not in either figure."""
        store = self.store(n)

        def ours():
            url, _ = self.database()
            return self.timed([self.landreg, "copy", "--from", store, "--to", url, "--subdistrict", "330110001"])

        def peer():
            _, ogr = self.database()
            return self.timed(["env", "PG_USE_COPY=YES", "ogr2ogr", "-f", "PostgreSQL", ogr, store, "parcels"])

        self.compare(f"copy a {n:,}-parcel store into PostGIS (all tables, verified) vs ogr2ogr -f PostgreSQL "
                     "PG_USE_COPY=YES (parcels)", 1.0, ours, peer)

    # -- PostGIS: one throw-away cluster for the PostGIS rows (tools/pg/cluster.sh) ----------------------------

    def cluster(self):
        """Starts the throw-away cluster once; stopped by `stop_cluster` at the end of the run."""
        if getattr(self, "_cluster", None) is None:
            self._cluster = os.path.join(self.work, "pg")
            self.run(["bash", os.path.join(self.args.repo, "tools/pg/cluster.sh"), "start", self._cluster])
            self._databases = 0
        return self._cluster

    def stop_cluster(self):
        if getattr(self, "_cluster", None) is not None:
            self.run(["bash", os.path.join(self.args.repo, "tools/pg/cluster.sh"), "stop", self._cluster])
            shutil.rmtree(self._cluster, ignore_errors=True)
            self._cluster = None

    def database(self):
        """A new database with PostGIS in the cluster; returns (libpq URL for landreg, OGR connection string)."""
        cluster = self.cluster()
        self._databases += 1
        name = f"bench{self._databases}"
        psql = ["psql", "-X", "-q", "-h", cluster, "-U", "landreg_admin"]
        self.run(psql + ["-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {name}"])
        self.run(psql + ["-d", "postgres", "-c", f"CREATE DATABASE {name}"])
        self.run(psql + ["-d", name, "-c", "CREATE EXTENSION postgis"])
        return (f"postgresql:///{name}?host={cluster}&user=landreg_admin",
                f"PG:host={cluster} dbname={name} user=landreg_admin")

    def postgis_import_row(self, n):
        """`landreg import parcels` into a PostGIS store (every feature checked, both areas measured, one transaction:
        the registry's import on a working set, its rows written back by COPY) against `ogr2ogr -f PostgreSQL`
        with PG_USE_COPY=YES of the same GeoJSON (a new table and its GiST index). The store is made by
        `landreg init --subdistrict`, outside the timing; the server's time is in both figures."""
        parcels = os.path.join(self.district(n), "parcels.geojson")

        def ours():
            url, _ = self.database()
            self.run([self.landreg, "init", "--store", url, "--subdistrict", "330110001"])
            return self.timed([self.landreg, "import", "parcels", parcels, "--profile", "sandiao", "--store", url,
                               "--quiet"])

        def peer():
            _, ogr = self.database()
            return self.timed(["env", "PG_USE_COPY=YES", "ogr2ogr", "-f", "PostgreSQL", ogr, parcels, "-nln",
                               "parcels"])

        self.compare(f"import {n:,} parcels into PostGIS (validate + both areas) vs ogr2ogr -f PostgreSQL "
                     "PG_USE_COPY=YES", 1.0, ours, peer)

    def district_store(self, n):
        """The district of n parcels with its zones, both spot batches, enterprises, their years, sites and leases
        (a GeoPackage store made once, by untimed imports)."""
        path = os.path.join(self.out, f"district-{n}.gpkg")
        if not os.path.exists(path):
            data = self.district(n)
            log(f"building {path} (once)")
            tmp = path + ".tmp.gpkg"
            shutil.copyfile(self.store(n), tmp)
            steps = [["zones", f"zones-{k}.geojson", "--kind", k] for k in
                     ("village", "basic-farmland", "development-area", "grid")]
            steps += [["spots", f"spots-{b}.geojson", "--batch", b] for b in ("2023-07", "2024-01")]
            steps += [["enterprises", "enterprises.csv"], ["enterprise-years", "enterprise-years.csv"],
                      ["sites", "sites.geojson"], ["tenancies", "tenancies.csv"]]
            for layer, file, *rest in steps:
                quiet = ["--quiet"] if file.endswith(".geojson") else []
                self.run([self.landreg, "import", layer, os.path.join(data, file), *rest, "--store", tmp, *quiet])
            os.replace(tmp, path)
        return path

    def postgis_reports_row(self, n):
        """The rectification and utilisation reports on a district of n parcels (20,000 spots, 2,000 sites): on a
        PostGIS store holding it (`landreg copy`, untimed) against the same report on the GeoPackage. The outputs
        must be the same bytes, or the row fails. Ratio = PostGIS / GeoPackage."""
        store = self.district_store(n)
        url, _ = self.database()
        self.run([self.landreg, "copy", "--from", store, "--to", url, "--subdistrict", "330110001"])
        for report in (["rectification"], ["rectification", "--by", "zone"], ["utilisation"],
                       ["utilisation", "--by", "zone"]):
            outputs = {}

            def run(where, label):
                def go():
                    out = os.path.join(self.work, f"report-{label}.json")
                    with open(out, "w") as f:
                        os.sync()
                        start = time.perf_counter()
                        p = subprocess.run([self.landreg, "report", *report, "--format", "json", "--store", where],
                                           env=self.env, stdout=f, stderr=subprocess.PIPE, text=True)
                        seconds = time.perf_counter() - start
                    if p.returncode != 0:
                        raise RuntimeError(f"report {' '.join(report)} on {where}: {p.stderr.strip()[-300:]}")
                    outputs[label] = open(out, "rb").read()
                    if len(outputs) == 2 and outputs["pg"] != outputs["gpkg"]:
                        raise RuntimeError(f"report {' '.join(report)}: PostGIS and GeoPackage outputs differ")
                    return seconds, 0
                return go

            self.compare(f"report {' '.join(report)} on {n:,} parcels, PostGIS store vs GeoPackage store", None,
                         run(url, "pg"), run(store, "gpkg"), note="ratio = PostGIS / GeoPackage; same output bytes")

    def concurrent_steps_row(self, workers, steps):
        """`workers` landreg processes at once, each applying `steps` progress steps in turn to three rectifying
        spots of the demo store (so several processes step one spot at the same moment): on PostGIS, and on the
        GeoPackage for comparison. Each run starts from a new copy of the demo store; every process must succeed and
        every step leave exactly one event (counted by its note), or the row fails. Ratio = PostGIS / GeoPackage."""
        demo = os.path.join(self.out, "demo.gpkg")
        if not os.path.exists(demo):
            self.run([self.landreg, "demo", "--store", demo, "--data", os.path.join(self.args.repo, "GeoData")])
        spots = ["JC2023-07-0003", "JC2023-07-0004", "JC2023-07-0005"]

        def hammer(store, count_events):
            errors = []

            def worker(w):
                for i in range(steps):
                    p = subprocess.run(
                        [self.landreg, "spots", "progress", spots[(w + i) % len(spots)], "--remaining",
                         f"{(w * steps + i) / 100:.2f}", "--note", f"w{w}-s{i}", "--actor", f"worker{w}", "--store",
                         store], env=self.env, capture_output=True, text=True)
                    if p.returncode != 0:
                        errors.append(f"worker {w} step {i}: {p.stderr.strip()[-300:]}")

            os.sync()
            start = time.perf_counter()
            threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            seconds = time.perf_counter() - start
            events, distinct = count_events()
            if errors or events != workers * steps or distinct != workers * steps:
                raise RuntimeError(f"{store}: {len(errors)} errors, {events} events ({distinct} distinct) of "
                                   f"{workers * steps}: {errors[:2]}")
            return seconds, 0

        count_sql = ("SELECT count(*), count(DISTINCT note) FROM {events} WHERE note LIKE 'w%-s%' "
                     "AND action = 'progress'")

        def on_postgis():
            url, _ = self.database()
            self.run([self.landreg, "copy", "--from", demo, "--to", url, "--subdistrict", "330110001"])
            name = url.split("///", 1)[1].split("?", 1)[0]

            def count():
                out = self.run(["psql", "-X", "-A", "-t", "-F", " ", "-h", self.cluster(), "-U", "landreg_admin",
                                "-d", name, "-c", count_sql.format(events="landreg.events")])
                return tuple(int(v) for v in out.split())
            return hammer(url, count)

        def on_geopackage():
            store = self.fresh("concurrent.gpkg")
            shutil.copyfile(demo, store)

            def count():
                with sqlite3.connect(store) as db:
                    return db.execute(count_sql.format(events="events")).fetchone()
            return hammer(store, count)

        self.compare(f"{workers} concurrent processes × {steps} spot steps on PostGIS ({workers * steps:,} events, "
                     "0 lost, 0 errors) vs the same on the GeoPackage", None, on_postgis, on_geopackage,
                     note="ratio = PostGIS / GeoPackage; no RSS (many processes)")

    def export_row(self, n):
        store = self.store(n)
        ours_out = os.path.join(self.work, f"export-{n}.geojson")
        peer_out = os.path.join(self.work, f"ogr-export-{n}.geojson")

        def ours():
            # Outputs never replace a file unasked: the previous repetition's goes first, outside the timing.
            if os.path.exists(ours_out):
                os.remove(ours_out)
            return self.timed([self.landreg, "export", "parcels", "-o", ours_out, "--store", store])

        def peer():
            if os.path.exists(peer_out):
                os.remove(peer_out)
            return self.timed(["ogr2ogr", "-f", "GeoJSON", "-t_srs", "EPSG:4326", "-lco", "RFC7946=YES", peer_out, store,
                               "parcels"])

        self.compare(f"export {n:,} parcels to RFC 7946 GeoJSON vs ogr2ogr -t_srs EPSG:4326 -lco RFC7946=YES", 1.0,
                     ours, peer)

    def export_shp_row(self, n):
        """The layer as a Shapefile folder: landreg's export (computed fields + kept properties, through GDAL's
        driver) vs ogr2ogr copying the stored parcels table, both UTF-8, no spatial index."""
        store = self.store(n)
        ours_out = os.path.join(self.work, f"export-{n}-shp")
        peer_out = os.path.join(self.work, f"ogr-export-{n}-shp")
        probe = subprocess.run([self.landreg, "export", "parcels", "--help"], env=self.env, capture_output=True, text=True)
        if "shp" not in probe.stdout:
            self.skip(f"export {n:,} parcels to a Shapefile", "feature not on this branch yet")
            return

        def ours():
            shutil.rmtree(ours_out, ignore_errors=True)
            return self.timed([self.landreg, "export", "parcels", "--format", "shp", "-o", ours_out, "--store", store])

        def peer():
            shutil.rmtree(peer_out, ignore_errors=True)
            return self.timed(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", "-lco", "SPATIAL_INDEX=NO",
                               peer_out, store, "parcels"])

        self.compare(f"export {n:,} parcels to a Shapefile folder vs ogr2ogr -f \"ESRI Shapefile\"", 1.0, ours, peer)

    def lookup_points(self, store, count):
        """Deterministic points: the bounding-box centres of `count` random parcels."""
        con = sqlite3.connect(store)
        n = con.execute("SELECT max(id) FROM rtree_parcels_geom").fetchone()[0]
        ids = random.Random(7).sample(range(1, n + 1), count)
        pts = []
        for i in ids:
            row = con.execute("SELECT (minx + maxx) / 2, (miny + maxy) / 2 FROM rtree_parcels_geom WHERE id = ?", (i,)).fetchone()
            pts.append((f"{row[0]:.3f}", f"{row[1]:.3f}"))
        con.close()
        return pts

    def lookup_row(self, n, count):
        store = self.store(n)
        pts = self.lookup_points(store, count)
        # Both tools must find the same parcels (checked on the first points, outside the timing).
        mismatches = 0
        for x, y in pts[:20]:
            ours = sorted(p["code"] for p in json.loads(self.run([self.landreg, "parcels", "at", x, y, "--json", "--store", store])))
            out = self.run(["ogrinfo", "-ro", "-q", "-spat", x, y, x, y, store, "parcels"])
            theirs = sorted(line.split("=", 1)[1].strip() for line in out.splitlines() if line.strip().startswith("code (String)"))
            mismatches += ours != theirs

        def loop(make):
            total, peak = 0.0, 0
            for x, y in pts:
                s, k = self.timed(make(x, y))
                total += s
                peak = max(peak, k)
            return total, peak

        def ours():
            return loop(lambda x, y: [self.landreg, "parcels", "at", x, y, "--json", "--store", store])

        def peer():
            return loop(lambda x, y: ["ogrinfo", "-ro", "-q", "-spat", x, y, x, y, store, "parcels"])

        note = "a process per look-up for both" + (f"; {mismatches} of 20 checked points differ" if mismatches else "")
        self.compare(f"{count:,} point look-ups (parcels at) on {n:,} parcels vs ogrinfo -spat", 1.0, ours, peer, note=note)

    def farmland_row(self, n):
        name = f"farmland area of the spots over {n:,} parcels vs shapely 2 STRtree + intersection areas"
        if not self.has_command("import", "spots"):
            return self.skip(name, "feature not on this branch yet (no `landreg import spots`)")
        store = self.store(n)
        spots = os.path.join(self.district(n), "spots-2023-07.geojson")
        work = os.path.join(self.work, f"spots-{n}.gpkg")

        def ours():
            self.fresh(f"spots-{n}.gpkg")
            shutil.copyfile(store, work)
            # (timed() syncs first: the import's commit would otherwise also flush this half-gigabyte copy; one
            # fdatasync of 0.86 s under strace.)
            return self.timed([self.landreg, "import", "spots", spots, "--batch", "2023-07", "--store", work, "--quiet"])

        def peer():
            return self.timed([PY, os.path.join(HERE, "peer_farmland.py"), store, spots])

        count = sum(1 for line in open(spots, encoding="utf-8") if line.startswith('{"type":"Feature"'))
        self.compare(name.replace("the spots", f"{count:,} spots"), 1.0, ours, peer,
                     note="landreg: `import spots` (stores farmland areas); peer reads the same store")

    def overlay_layers(self, n):
        """Eco red line, urban boundary and approvals for the district of n parcels (GeoJSON, EPSG:4549), made once
        from its spots: the boundary is the eastern half of the district, the red line a western strip, and every
        third spot has an approval (every second of those dated after its detection, every fifth covering half)."""
        d = os.path.join(self.district(n), "overlays")
        if not os.path.exists(os.path.join(d, "approvals.geojson")):
            import shapely
            from shapely.geometry import box, mapping, shape
            tmp = d + ".tmp"
            shutil.rmtree(tmp, ignore_errors=True)
            os.makedirs(tmp)
            spots = [json.loads(line.rstrip().rstrip(","))
                     for line in open(os.path.join(self.district(n), "spots-2023-07.geojson"), encoding="utf-8")
                     if line.startswith('{"type":"Feature"')]
            geoms = [shape(f["geometry"]) for f in spots]
            minx, miny, maxx, maxy = shapely.total_bounds(geoms)
            crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4549"}}

            def write(name, features):
                with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
                    json.dump({"type": "FeatureCollection", "crs": crs, "features": features}, f, ensure_ascii=False)

            def zone(code, kind, g):
                return {"type": "Feature", "properties": {"code": code, "kind": kind}, "geometry": mapping(g)}
            write("zones-urban-boundary.geojson",
                  [zone("CKBJ-1", "urban-boundary", box((minx + maxx) / 2, miny - 10, maxx + 10, maxy + 10))])
            write("zones-eco-redline.geojson",
                  [zone("STHX-1", "eco-redline", box(minx - 10, miny - 10, minx + (maxx - minx) / 5, maxy + 10))])
            approvals = []
            for i, (f, g) in enumerate(zip(spots, geoms)):
                if i % 3:
                    continue
                detected = f["properties"].get("detected_date") or "2023-07-01"
                a = g.buffer(1.0) if i % 5 else g.intersection(box(*g.bounds[:2], (g.bounds[0] + g.bounds[2]) / 2, g.bounds[3]))
                day = detected[:4] + "-12-31" if i % 2 else str(int(detected[:4]) - 1) + "-06-30"
                approvals.append({"type": "Feature", "geometry": mapping(a),
                                  "properties": {"doc_number": f"BENCH-{i}", "approval_date": day}})
            write("approvals.geojson", approvals)
            os.replace(tmp, d)
        return d

    def breakdown_row(self, n):
        name = f"import spots with full breakdown over {n:,} parcels vs shapely 2 STRtree + intersection areas"
        if not self.has_command("import", "approvals"):
            return self.skip(name, "feature not on this branch yet (no `landreg import approvals`)")
        data = self.district(n)
        overlays = self.overlay_layers(n)
        spots = os.path.join(data, "spots-2023-07.geojson")
        base = os.path.join(self.out, f"store-{n}-overlays.gpkg")
        if not os.path.exists(base):
            tmp = base + ".tmp.gpkg"
            shutil.copyfile(self.store(n), tmp)
            basic = os.path.join(data, "zones-basic-farmland.geojson")
            if os.path.exists(basic):
                self.run([self.landreg, "import", "zones", basic, "--kind", "basic-farmland", "--store", tmp, "--quiet"])
            for kind in ("eco-redline", "urban-boundary"):
                self.run([self.landreg, "import", "zones", os.path.join(overlays, f"zones-{kind}.geojson"), "--kind",
                          kind, "--store", tmp, "--quiet"])
            self.run([self.landreg, "import", "approvals", os.path.join(overlays, "approvals.geojson"), "--kind",
                      "farmland-conversion", "--store", tmp, "--quiet"])
            os.replace(tmp, base)
        work = os.path.join(self.work, f"breakdown-{n}.gpkg")

        def ours():
            self.fresh(f"breakdown-{n}.gpkg")
            shutil.copyfile(base, work)
            return self.timed([self.landreg, "import", "spots", spots, "--batch", "2023-07", "--store", work, "--quiet"])

        def peer():
            return self.timed([PY, os.path.join(HERE, "peer_breakdown.py"), base, spots])

        count = sum(1 for line in open(spots, encoding="utf-8") if line.startswith('{"type":"Feature"'))
        self.compare(name.replace("import spots", f"import {count:,} spots"), 1.0, ours, peer,
                     note="landreg: `import spots` (every class, basic farmland, red line, boundary, approvals; "
                          "planar + ellipsoidal, stored); peer: planar areas from the same store")

    def reclaimable_row(self, n):
        name = f"reclaimable area on {n:,} parcels vs shapely 2 union_all"
        if not (self.has_command("report", "reclaimable") and self.has_command("import", "spot-updates")):
            return self.skip(name, "feature not on this branch yet (no `landreg report reclaimable`)")
        data = self.district(n)
        spots = os.path.join(data, "spots-2023-07.geojson")
        work = os.path.join(self.out, f"reclaim-{n}.gpkg")
        if not os.path.exists(work):
            try:
                tmp = self.fresh(f"reclaim-{n}.gpkg")
                shutil.copyfile(self.store(n), tmp)
                self.run([self.landreg, "import", "spots", spots, "--batch", "2023-07", "--store", tmp, "--quiet"])
                codes = [json.loads(line.rstrip().rstrip(","))["properties"]["code"]
                         for line in open(spots, encoding="utf-8") if line.startswith('{"type":"Feature"')]
                updates = os.path.join(self.work, "updates.csv")
                with open(updates, "w", encoding="utf-8") as f:
                    f.write("code,action,judgement,measure,deadline\n")
                    for c in codes:
                        f.write(f"{c},verify,illegal,,\n")
                    for c in codes:
                        f.write(f"{c},rectify,,demolish-restore,2030-12-31\n")
                self.run([self.landreg, "import", "spot-updates", updates, "--store", tmp])
                os.replace(tmp, work)
            except RuntimeError as e:
                return self.skip(name, f"setting up failed (adjust tools/bench/bench.py to the merged CLI): {e}")

        def ours():
            return self.timed([self.landreg, "report", "reclaimable", "--format", "json", "--store", work])

        def peer():
            return self.timed([PY, os.path.join(HERE, "peer_reclaimable.py"), work, spots])

        self.compare(name, 1.0, ours, peer, note="every spot of a batch judged illegal, demolish-restore")

    def survey_store(self, n):
        """A store with two survey versions of the district: its parcels as 2023 and, as 2024, the version
        tools/survey_version.py plants changes into (made once, untimed)."""
        path = os.path.join(self.out, f"survey-{n}.gpkg")
        if not os.path.exists(path):
            data = self.district(n)
            v2024 = os.path.join(data, "parcels-2024.geojson")
            if not os.path.exists(v2024):
                self.run([PY, os.path.join(self.args.repo, "tools", "survey_version.py"),
                          os.path.join(data, "parcels.geojson"), os.path.join(data, "spots-2023-07.geojson"), v2024])
            tmp = self.fresh(f"survey-{n}.gpkg")
            self.run([self.landreg, "init", "--store", tmp])
            for f, year in ((os.path.join(data, "parcels.geojson"), "2023"), (v2024, "2024")):
                self.run([self.landreg, "import", "survey", f, "--year", year, "--profile", "sandiao", "--store", tmp,
                          "--quiet"])
            os.replace(tmp, path)
        return path

    def survey_row(self, n, report):
        name = f"{report} 2023 → 2024 on {n:,} parcels vs shapely 2 STRtree + intersection areas"
        if not self.has_command("report", report):
            return self.skip(name, f"feature not on this branch yet (no `landreg report {report}`)")
        store = self.survey_store(n)
        json_flag = ["--format", "json"] if report == "survey-change" else ["--json"]

        def ours():
            return self.timed([self.landreg, "report", report, "--from", "2023", "--to", "2024", *json_flag,
                               "--store", store])

        def peer():
            return self.timed([PY, os.path.join(HERE, "peer_survey.py"), store, "2023", "2024",
                               "matrix" if report == "survey-change" else "ledger"])

        self.compare(name, 1.0, ours, peer, note="both read the two versions from the same store; landreg also "
                     "measures ellipsoidal areas")

    # -- the table -----------------------------------------------------------------------------------------

    def table(self):
        head = ["operation", "landreg s", "peer s", "ratio", "target", "met", "landreg RSS MB", "peer RSS MB", "note"]
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
        gdal = subprocess.run(["ogrinfo", "--version"], capture_output=True, text=True).stdout.strip()
        try:
            commit = subprocess.run(["git", "-C", self.args.repo, "rev-parse", "--short", "HEAD"], capture_output=True,
                                    text=True).stdout.strip()
        except OSError:
            commit = "?"
        lines = [f"{datetime.date.today().isoformat()}, {os.cpu_count()} cores ({cpu}), load average "
                 f"{os.getloadavg()[0]:.1f} at the end, {gdal}, shapely {shapely_version()}, landreg {commit}, "
                 f"{self.args.reps} repetition(s), medians in seconds{' (--quick)' if self.args.quick else ''}", "",
                 "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for r in self.rows:
            lines.append("| " + " | ".join(r) + " |")
        return "\n".join(lines)


def shapely_version():
    try:
        return subprocess.run([PY, "-c", "import shapely; print(shapely.__version__)"], capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--landreg", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--quick", action="store_true", help="100,000 parcels only, 1 repetition, 100 look-ups")
    ap.add_argument("--reps", type=int, help="repetitions per row (default 3; 1 with --quick)")
    ap.add_argument("--rows", help="comma-separated subset: import-100k, import-1m, import-shp-100k, import-shp-1m, export-100k, export-shp-100k, export-shp-1m, lookups, farmland, reclaimable, breakdown, breakdown-1m, postgis-copy-100k, postgis-import-100k, postgis-import-1m, concurrent-steps, postgis-reports-1m, survey-change, farmland-balance")
    ap.add_argument("--out", default=os.path.join(HERE, "out"))
    args = ap.parse_args()
    if args.reps is None:
        args.reps = 1 if args.quick else 3
    os.makedirs(args.out, exist_ok=True)
    b = Bench(args)
    big = 100_000 if args.quick else 1_000_000
    rows = {
        "import-100k": lambda: b.import_row(100_000),
        "import-1m": lambda: None if args.quick else b.import_row(1_000_000, rss_limit_mb=300),
        "import-shp-100k": lambda: b.import_shapefile_row(100_000),
        "import-shp-1m": lambda: None if args.quick else b.import_shapefile_row(1_000_000, rss_limit_mb=300),
        "export-100k": lambda: b.export_row(100_000),
        "export-shp-100k": lambda: b.export_shp_row(100_000),
        "export-shp-1m": lambda: None if args.quick else b.export_shp_row(1_000_000),
        "lookups": lambda: b.lookup_row(big, 100 if args.quick else 1_000),
        "farmland": lambda: b.farmland_row(big),
        "reclaimable": lambda: b.reclaimable_row(100_000),
        "breakdown": lambda: b.breakdown_row(100_000),
        "breakdown-1m": lambda: b.breakdown_row(1_000_000),
        "postgis-copy-100k": lambda: b.postgis_copy_row(100_000),
        "postgis-import-100k": lambda: b.postgis_import_row(100_000),
        "postgis-import-1m": lambda: None if args.quick else b.postgis_import_row(1_000_000),
        "concurrent-steps": lambda: b.concurrent_steps_row(32, 10 if args.quick else 100),
        "postgis-reports-1m": lambda: b.postgis_reports_row(big),
        "survey-change": lambda: b.survey_row(big, "survey-change"),
        "farmland-balance": lambda: b.survey_row(big, "farmland-balance"),
    }
    chosen = args.rows.split(",") if args.rows else list(rows)
    for r in chosen:
        if r not in rows:
            sys.exit(f"bench: unknown row {r} (rows: {', '.join(rows)})")
    try:
        for r in chosen:
            try:
                rows[r]()
            except RuntimeError as e:
                b.rows.append([r, "–", "–", "–", "", "FAILED", "–", "–", str(e)[:200].replace("|", "/")])
                log(f"{r}: FAILED: {e}")
    finally:
        b.stop_cluster()
    text = b.table()
    print(text)
    with open(os.path.join(args.out, "latest.md"), "w", encoding="utf-8") as f:
        f.write(text + "\n")


if __name__ == "__main__":
    main()
